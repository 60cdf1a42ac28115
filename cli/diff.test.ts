import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { unifiedDiff } from "./diff.js";

describe("unifiedDiff", () => {
  it("is empty for equal texts", () => {
    expect(unifiedDiff("a\nb\n", "a\nb\n", { fromName: "x", toName: "y" })).toBe("");
  });

  it("prints hunks with context, removals before additions", () => {
    const before = "a\nb\nc\nd\ne\nf\ng\nh\n";
    const after = "a\nb\nc\nD\ne\nf\ng\nh\n";
    expect(unifiedDiff(before, after, { fromName: "live", toName: "merged" })).toBe("--- live\n+++ merged\n@@ -1,7 +1,7 @@\n a\n b\n c\n-d\n+D\n e\n f\n g\n");
  });

  it("describes creation from nothing", () => {
    expect(unifiedDiff("", "kind: Gateway\n", { fromName: "a", toName: "b" })).toBe("--- a\n+++ b\n@@ -0,0 +1,1 @@\n+kind: Gateway\n");
  });

  it("produces patches that patch(1) applies", () => {
    const dir = mkdtempSync(join(tmpdir(), "isthmus-diff-"));
    const lines = Array.from({ length: 40 }, (_, i) => `line ${i}`);
    const before = lines.join("\n") + "\n";
    const changed = [...lines];
    changed.splice(3, 1, "changed 3");
    changed.splice(20, 2);
    changed.splice(35, 0, "added");
    const after = changed.join("\n") + "\n";
    writeFileSync(join(dir, "file"), before);
    writeFileSync(join(dir, "p.diff"), unifiedDiff(before, after, { fromName: "file", toName: "file" }));
    execFileSync("patch", ["-s", join(dir, "file"), join(dir, "p.diff")]);
    expect(execFileSync("cat", [join(dir, "file")], { encoding: "utf8" })).toBe(after);
  });
});
