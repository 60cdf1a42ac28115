import { describe, expect, it } from "vitest";
import { PathInvalidError } from "./mesh-error.ts";
import { normalizePath } from "./path.ts";

const norm = (target: string) => normalizePath(target).path;

function refusal(target: string, options?: Parameters<typeof normalizePath>[1]): string {
  try {
    normalizePath(target, options);
  } catch (error) {
    expect(error).toBeInstanceOf(PathInvalidError);
    expect((error as PathInvalidError).status).toBe(400);
    expect((error as PathInvalidError).code).toBe("path_invalid");
    return (error as PathInvalidError).reason;
  }
  throw new Error(`${JSON.stringify(target)} was accepted`);
}

describe("normalizePath: the request forms of Istio's path advisories", () => {
  // ISTIO-SECURITY-2019-001 (Envoy CVE-2019-9901): dot segments were not resolved, so a
  // policy on /admin missed /public/../admin.
  it.each([
    ["/public/../admin", "/admin"],
    ["/public/./../admin", "/admin"],
    ["/public/%2e%2e/admin", "/admin"],
    ["/public/%2E%2E/admin", "/admin"],
    ["/public/.%2e/admin", "/admin"],
    ["/../admin", "/admin"],
    ["/../../../admin", "/admin"],
  ])("2019-001 dot segments: %s -> %s", (input, expected) => {
    expect(norm(input)).toBe(expected);
  });

  // ISTIO-SECURITY-2019-001 (Envoy CVE-2019-9900): an embedded NUL split the path.
  it.each(["/admin%00", "/public%00/../admin", "/admin\u0000.html"])("2019-001 NUL refused: %j", (input) => {
    expect(refusal(input)).toBe("null_byte");
  });

  // ISTIO-SECURITY-2020-001 (CVE-2020-8595): exact path rules missed /productpage?a=b and
  // /productpage#x; the path is matched without query or fragment.
  it.each([
    ["/productpage?a=b", "/productpage", "a=b"],
    ["/productpage#frag", "/productpage", ""],
    ["/productpage?a=b#frag", "/productpage", "a=b"],
    ["/productpage?", "/productpage", ""],
  ])("2020-001 query/fragment: %s", (input, path, query) => {
    expect(normalizePath(input)).toMatchObject({ path, query });
  });

  // ISTIO-SECURITY-2021-005 (CVE-2021-31920, Envoy CVE-2021-29492): multiple slashes and
  // escaped slashes bypassed path policies.
  it.each([
    ["//admin", "/admin"],
    ["///admin//", "/admin/"],
    ["/something%2F..%2Fadmin", "/admin"],
    ["/something%2f..%2fadmin", "/admin"],
    ["/something%5C..%5Cadmin", "/admin"],
    ["/something%5c..%5cadmin", "/admin"],
    ["/admin%2Fsecret", "/admin/secret"],
    ["/%2Fadmin", "/admin"],
    ["/public\\..\\admin", "/admin"],
    ["\\admin", "/admin"],
    ["/a//../b", "/a/b"],
  ])("2021-005 slashes: %s -> %s", (input, expected) => {
    expect(norm(input)).toBe(expected);
  });

  it("2021-005 with escapedSlashes reject: %2F and %5C are refused, not decoded", () => {
    expect(refusal("/something%2F..%2Fadmin", { escapedSlashes: "reject" })).toBe("escaped_slash");
    expect(refusal("/a%5cb", { escapedSlashes: "reject" })).toBe("escaped_slash");
    expect(normalizePath("//admin/../x", { escapedSlashes: "reject" }).path).toBe("/x");
  });

  // ISTIO-SECURITY-2021-008 (CVE-2021-39156): "/app1/admin#foo" evaded rules on /admin.
  it("2021-008 fragment is dropped", () => {
    expect(norm("/app1/admin#foo")).toBe("/app1/admin");
    expect(norm("/app1/admin%23foo")).toBe("/app1/admin%23foo");
  });

  // Istio's "Authorization Policy Normalization" reference examples.
  it.each([
    ["/some%2fdata/%61%62%63", "/some/data/abc"],
    ["/some\\data", "/some/data"],
    ["/some//data///abc", "/some/data/abc"],
    ["/public/./data/abc/../xyz", "/public/data/xyz"],
    ["/%2d%2e%5f%7e%30%39%41%5A", "/-._~09AZ"],
  ])("reference example %s -> %s", (input, expected) => {
    expect(norm(input)).toBe(expected);
  });

  it("refuses NONE's example ../%2Fa../b: not origin-form", () => {
    expect(refusal("../%2Fa../b")).toBe("not_origin_form");
    expect(refusal("admin")).toBe("not_origin_form");
    expect(refusal("")).toBe("not_origin_form");
  });
});

describe("normalizePath: what cannot be normalized safely is refused", () => {
  it.each([
    ["/a%", "invalid_percent_encoding"],
    ["/a%4", "invalid_percent_encoding"],
    ["/a%zz", "invalid_percent_encoding"],
    ["/a%u002e%u002e/admin", "invalid_percent_encoding"],
    ["/a/%252e%252e/admin", "double_encoding"],
    ["/a%252Fadmin", "double_encoding"],
    ["/a%255cadmin", "double_encoding"],
    ["/a%2500", "double_encoding"],
    ["/%c0%ae%c0%ae/admin", "overlong_utf8"],
    ["/%C0%AF", "overlong_utf8"],
    ["/%e0%80%ae", "overlong_utf8"],
    ["/%f0%80%80%ae", "overlong_utf8"],
    ["/%ff", "overlong_utf8"],
    ["/a\nb", "control_character"],
    ["/a\tb", "control_character"],
    ["/a\u007fb", "control_character"],
  ])("%j -> %s", (input, reason) => {
    expect(refusal(input)).toBe(reason);
  });
});

describe("normalizePath: everything else keeps its meaning", () => {
  it.each([
    ["/", "/"],
    ["/a/b", "/a/b"],
    ["/a/b/", "/a/b/"],
    ["/a/b/.", "/a/b/"],
    ["/a/b/..", "/a/"],
    ["/..", "/"],
    ["/.", "/"],
    ["/a/.../b", "/a/.../b"],
    ["/a/..b/c", "/a/..b/c"],
    ["/a%20b", "/a%20b"],
    ["/a%3fb", "/a%3Fb"],
    ["/caf%c3%a9", "/caf%C3%A9"],
    ["/a%2541", "/a%2541"],
    ["/api/v1/products/1/reviews", "/api/v1/products/1/reviews"],
    ["/semi;colon", "/semi;colon"],
  ])("%s -> %s", (input, expected) => {
    expect(norm(input)).toBe(expected);
  });

  it("keeps repeated slashes when merging is off", () => {
    expect(normalizePath("/a//b/../c", { mergeSlashes: false }).path).toBe("/a//c");
  });

  it("says whether the path changed", () => {
    expect(normalizePath("/a/b?x=1").changed).toBe(false);
    expect(normalizePath("/a//b").changed).toBe(true);
    expect(normalizePath("/a/%62").changed).toBe(true);
  });

  it("is a fixed point on a corpus of awkward paths", () => {
    const corpus = [
      "/public/../admin", "//a//b/./c/..", "/x%2F%2E%2E%2Fy", "/a\\b\\..\\c", "/%7e/%41/..",
      "/a%2541/%20/../b", "/caf%c3%a9/./", "/a/b/c/../../../../d", "/..%2f..%2fetc/passwd",
    ];
    for (const input of corpus) {
      const once = norm(input);
      expect(norm(once), input).toBe(once);
      expect(once.startsWith("/")).toBe(true);
      expect(once).not.toMatch(/\/\/|\/\.\.?(\/|$)|%2[Ff]|%5[Cc]|\\/);
    }
  });
});

describe("normalizePath on paths already in normal form (the fast path)", () => {
  it("leaves them as they are, and still resolves what only looks plain", () => {
    for (const path of ["/", "/api/v1/products/7", "/.well-known/isthmus/ready", "/a/.b/..c/...", "/a/b/", "/~user/x-y_z.json", "/a:b@c!$&'()*+,;="]) {
      expect(normalizePath(path)).toEqual({ path, query: "", changed: false });
    }
    expect(normalizePath("/a/./b").path).toBe("/a/b");
    expect(normalizePath("/a/b/..").path).toBe("/a/");
    expect(normalizePath("/a/.").path).toBe("/a/");
    expect(normalizePath("/a//b").path).toBe("/a/b");
    expect(normalizePath("/a//b", { mergeSlashes: false })).toMatchObject({ path: "/a//b", changed: false });
    expect(normalizePath("/a/%2e%2e/b").path).toBe("/b");
  });

  it("gives every plain path a fixed point with no dot segment and no repeated slash (seeded fuzz)", () => {
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const parts = ["a", ".", "..", "...", "", "b.c", "~", "%2e", "%2F", "x-y"];
    for (let i = 0; i < 2000; i++) {
      const path = `/${Array.from({ length: 1 + Math.floor(next() * 6) }, () => parts[Math.floor(next() * parts.length)]).join("/")}`;
      const once = normalizePath(path).path;
      expect(normalizePath(once)).toEqual({ path: once, query: "", changed: false });
      expect(once).not.toMatch(/\/\.\.?(\/|$)|\/\//);
    }
  });
});
