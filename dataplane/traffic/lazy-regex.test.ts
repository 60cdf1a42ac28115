import { RE2JS } from "re2js";
import { afterEach, describe, expect, it, vi } from "vitest";
import { compileRegex } from "../../resources/regex.ts";
import type { VirtualService } from "../../resources/virtual-service.ts";
import { lazyFullMatcher, lazyRegex } from "./lazy-regex.ts";
import { rewritePath } from "./rewrite.ts";
import { compileRouteTable } from "./route-table.ts";

afterEach(() => vi.restoreAllMocks());

const request = (path: string, headers: Record<string, string> = {}) => ({ path, method: "GET", headers: new Headers(headers), authority: "reviews" });
const vs = (http: VirtualService["spec"]["http"]): VirtualService => ({
  apiVersion: "networking.istio.io/v1",
  kind: "VirtualService",
  metadata: { name: "reviews", namespace: "default" },
  spec: { hosts: ["reviews"], http },
});
const to = (subset: string) => [{ destination: { host: "reviews", subset } }];

describe("lazyRegex", () => {
  it("compiles on the first call only, once per pattern for every matcher in the isolate", () => {
    const compile = vi.fn(compileRegex);
    const pattern = `/lazy/${Math.random()}/[0-9]+`;
    const first = lazyRegex(pattern, compile);
    const second = lazyRegex(pattern, compile);
    expect(compile).not.toHaveBeenCalled();
    expect(first()).toBe(first());
    expect(second()).toBe(first());
    expect(compile).toHaveBeenCalledTimes(1);
  });

  it("a pattern that does not compile matches nothing, logged once, never thrown", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const broken = lazyFullMatcher("/items/(unclosed");
    for (let i = 0; i < 5; i++) expect(broken("/items/(unclosed")).toBe(false);
    expect(lazyFullMatcher("/items/(unclosed", true)("x")).toBe(true); // a negated use: its condition fails
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]![0])).toContain("/items/(unclosed");
  });
});

describe("route regexes compile on first use", () => {
  it("building the table compiles no regex; a match compiles only the candidates it tests, once", () => {
    // `\d`: not a plain pattern, so an RE2 program.
    const http = Array.from({ length: 50 }, (_, i) => ({ match: [{ uri: { regex: `/r${i}/lazy-table/\\d+` } }], route: to(`r${i}`) }));
    const compile = vi.spyOn(RE2JS, "compile");
    const table = compileRouteTable([vs(http)]);
    expect(compile).not.toHaveBeenCalled();
    expect(table.match(request("/r7/lazy-table/42"))?.route.route?.[0]?.destination.subset).toBe("r7");
    expect(compile).toHaveBeenCalledTimes(1); // the literal prefix index leaves one candidate
    table.match(request("/r7/lazy-table/43"));
    expect(compile).toHaveBeenCalledTimes(1);
  });

  it("a plain regex (literals, classes, repeats) is matched without compiling an RE2 program", () => {
    const compile = vi.spyOn(RE2JS, "compile");
    const table = compileRouteTable([vs([{ match: [{ uri: { regex: "/plain/[0-9]+" }, headers: { "x-v": { regex: "o[n]+" } } }], route: to("plain") }, { route: to("default") }])]);
    expect(table.match(request("/plain/42", { "x-v": "onn" }))?.route.route?.[0]?.destination.subset).toBe("plain");
    expect(table.match(request("/plain/4a", { "x-v": "onn" }))?.route.route?.[0]?.destination.subset).toBe("default");
    expect(table.match(request("/plain/42", { "x-v": "of" }))?.route.route?.[0]?.destination.subset).toBe("default");
    expect(compile).not.toHaveBeenCalled();
  });

  it("a route whose regex does not compile does not match, and the next route answers", () => {
    vi.spyOn(console, "warn").mockImplementation(() => {});
    const table = compileRouteTable([
      vs([
        { match: [{ uri: { regex: "/broken/(" } }], route: to("broken") },
        { match: [{ uri: { prefix: "/" }, withoutHeaders: { "x-user": { regex: "[" } } }], route: to("without") },
        { route: to("default") },
      ]),
    ]);
    for (let i = 0; i < 3; i++) expect(table.match(request("/broken/(", { "x-user": "a" }))?.route.route?.[0]?.destination.subset).toBe("default");
  });

  it("a uriRegexRewrite that does not compile leaves the path as it is, every time", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const rewrite = { uriRegexRewrite: { match: "/a/(", rewrite: "/b" } };
    expect(rewritePath("/a/x", rewrite, undefined)).toBe("/a/x");
    expect(rewritePath("/a/y", rewrite, undefined)).toBe("/a/y");
    expect(warn).toHaveBeenCalledTimes(1);
  });
});
