import { describe, expect, it } from "vitest";
import { InvalidLabelSelectorError, matchesLabels, parseLabelSelector } from "./label-selector.ts";

describe("parseLabelSelector", () => {
  it("reads equality, set-based and existence requirements", () => {
    expect(parseLabelSelector("app=reviews, version in (v1, v2),tier!=web,env==prod,canary,!legacy,zone notin (a)")).toEqual([
      { key: "app", operator: "=", values: ["reviews"] },
      { key: "version", operator: "in", values: ["v1", "v2"] },
      { key: "tier", operator: "!=", values: ["web"] },
      { key: "env", operator: "=", values: ["prod"] },
      { key: "canary", operator: "exists", values: [] },
      { key: "legacy", operator: "!exists", values: [] },
      { key: "zone", operator: "notin", values: ["a"] },
    ]);
    expect(parseLabelSelector("")).toEqual([]);
    expect(parseLabelSelector("app.kubernetes.io/name=reviews")[0]!.key).toBe("app.kubernetes.io/name");
  });

  it.each(["app=reviews,", "version in (v1", "version in ()", "a b=c", "app=re views", "=x"])("refuses %j", (text) => {
    expect(() => parseLabelSelector(text)).toThrow(InvalidLabelSelectorError);
  });
});

describe("matchesLabels", () => {
  const labels = { app: "reviews", version: "v2" };
  it.each([
    ["app=reviews", true],
    ["app=ratings", false],
    ["app=reviews,version in (v1,v2)", true],
    ["version in (v1,v3)", false],
    ["version notin (v1)", true],
    ["tier notin (web)", true],
    ["app!=reviews", false],
    ["tier!=web", true],
    ["version", true],
    ["!version", false],
    ["", true],
  ])("%j -> %s", (selector, expected) => {
    expect(matchesLabels(labels, parseLabelSelector(selector))).toBe(expected);
  });

  it("treats missing labels as no labels", () => {
    expect(matchesLabels(undefined, parseLabelSelector("app"))).toBe(false);
    expect(matchesLabels(undefined, parseLabelSelector("!app"))).toBe(true);
  });
});
