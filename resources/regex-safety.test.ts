import { describe, expect, it } from "vitest";
import { regexSafetyProblem } from "./regex-safety.ts";

describe("regexSafetyProblem", () => {
  it.each([
    ["(a+)+", /nested quantifier "a\+"/],
    ["(a*)*", /nested quantifier "a\*"/],
    ["(\\w+\\s?)*", /nested quantifier/],
    ["(.*a)*", /nested quantifier ".\*"/],
    ["(?:x+x+)+y", /nested quantifier/],
    ["^(([a-z])+.)+[A-Z]([a-z])+$", /nested quantifier/],
    ["(a{1,}){2,}", /nested quantifier/],
    ["(a|a)*", /alternation "\(a\|a\)\*"/],
    ["(a|ab)+", /alternation/],
    ["(\\w|\\d)*", /alternation/],
    ["(.|x)*", /alternation/],
    ["([a-c]|b)*", /alternation/],
    ["(\\s|[ \\t])+", /alternation/],
    ["(x|[^a])*", /alternation/],
  ])("reports %s", (pattern, reason) => {
    expect(regexSafetyProblem(pattern)).toMatch(reason);
  });

  it.each([
    "/reviews/[0-9]+",
    "/api/(v1|v2)/.*",
    "^/reviews/\\d+$",
    "(/[a-z]+)*",
    "([0-9]+,)*",
    "(a+b)*",
    "([a-z]+\\.)*",
    "[a-z]+(-[a-z]+)*",
    "(foo|bar)*",
    "(a|b|c)+",
    "(?:https?://)?[a-z.]+",
    "(\\d{1,3}\\.){3}\\d{1,3}",
    "(a+){3}",
    ".*",
    "(ab)*",
    "(?i)(get|post)",
    "[", // not a regex at all: compileRegex reports it
  ])("does not report %s", (pattern) => {
    expect(regexSafetyProblem(pattern)).toBeNull();
  });
});
