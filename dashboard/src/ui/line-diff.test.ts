import { describe, expect, it } from "vitest";
import { lineDiff } from "./line-diff.ts";

describe("lineDiff", () => {
  it("marks removed and added lines around common ones", () => {
    const diff = lineDiff("a\nb\nc\n", "a\nx\nc\ny\n");
    expect(diff).toEqual([
      { op: "same", text: "a" },
      { op: "removed", text: "b" },
      { op: "added", text: "x" },
      { op: "same", text: "c" },
      { op: "added", text: "y" },
      { op: "same", text: "" },
    ]);
  });

  it("shows identical texts as unchanged and an empty side as all added", () => {
    expect(lineDiff("a\nb", "a\nb").every((l) => l.op === "same")).toBe(true);
    expect(lineDiff("", "a").map((l) => l.op)).toEqual(["removed", "added"]);
  });
});
