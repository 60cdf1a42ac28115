import { describe, expect, it } from "vitest";
import { checkRewrittenPath, RewriteEscapeError } from "./rewritten-path.ts";
import { rewritePath } from "./rewrite.ts";

const APP = { uri: { prefix: "/app" } };
const FRONT = { uri: { prefix: "/front/" } };

function outcome(path: string): string {
  try {
    return checkRewrittenPath(path);
  } catch (error) {
    if (error instanceof RewriteEscapeError) return error.reason;
    throw error;
  }
}

describe("checkRewrittenPath", () => {
  it("passes rewritten paths that mean what they say", () => {
    expect(outcome(rewritePath("/app/api/x", { uri: "/" }, APP))).toBe("/api/x");
    expect(outcome(rewritePath("/app.x/y", { uri: "/" }, APP))).toBe("/.x/y");
    expect(outcome(rewritePath("/front/a/b", { uri: "/" }, FRONT))).toBe("/a/b");
    expect(outcome(rewritePath("/app/a%20b", { uri: "/v2/" }, APP))).toBe("/v2/a%20b");
    expect(outcome("/v2/a?b")).toBe("/v2/a?b");
  });

  it("refuses a prefix rewrite that leaves a dot segment behind (/app../api -> /../api)", () => {
    for (const request of ["/app../api", "/app./api", "/app..", "/app.", "/app../../etc"]) {
      expect(outcome(rewritePath(request, { uri: "/" }, APP)), request).toBe("rewrite_escapes_prefix");
    }
    expect(outcome(rewritePath("/app../admin", { uri: "/v2/" }, APP))).toBe("rewrite_escapes_prefix");
    expect(outcome(rewritePath("/app../admin", { uri: "/v2" }, APP))).toBe("/v2../admin");
  });

  it("refuses encoded dots and slashes, backslashes and bad escapes in the result", () => {
    for (const path of ["/%2e%2e/api", "/a/%2E/b", "/a%2fb", "/a%5Cb", "/a\\..\\b", "/a%zz", "/a%00"]) {
      expect(outcome(path), path).toBe("rewrite_escapes_prefix");
    }
  });

  it("answers 400 path_invalid with the reason", async () => {
    const response = new RewriteEscapeError("/../api").toResponse();
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: "path_invalid", reason: "rewrite_escapes_prefix" } });
  });
});
