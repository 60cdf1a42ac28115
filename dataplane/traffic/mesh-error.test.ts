import { describe, expect, it } from "vitest";
import {
  AuthzDeniedError,
  CircuitOpenError,
  FaultAbortError,
  MESH_ERROR_HEADER,
  MeshError,
  NoHealthyUpstreamError,
  NoRouteError,
  OverflowError,
  PathInvalidError,
  RateLimitedError,
  RetriesExhaustedError,
  UnauthenticatedError,
  UpstreamConnectFailureError,
  UpstreamTimeoutError,
} from "./mesh-error.ts";
import { ResponseFlag, formatFlags } from "./response-flags.ts";

describe("MeshError", () => {
  const table: [MeshError, string, number, string][] = [
    [new NoRouteError("reviews.default"), "no_route", 404, "NR"],
    [new NoHealthyUpstreamError("reviews|v2"), "no_healthy_upstream", 503, "UH"],
    [new UpstreamTimeoutError(100), "upstream_timeout", 504, "UT"],
    [new RetriesExhaustedError(3, [ResponseFlag.UpstreamTimeout]), "retries_exhausted", 503, "UT,URX"],
    [new UpstreamConnectFailureError("reviews"), "upstream_connect_failure", 503, "UF"],
    [new FaultAbortError(418), "fault_abort", 418, "FI"],
    [new CircuitOpenError("reviews"), "circuit_open", 503, "UO"],
    [new OverflowError("reviews"), "overflow", 503, "UO"],
    [new RateLimitedError(), "rate_limited", 429, "RL"],
    [new PathInvalidError("null_byte", "%00"), "path_invalid", 400, "DPE"],
    [new AuthzDeniedError("deny_policy"), "authz_denied", 403, "UAEX"],
    [new UnauthenticatedError("missing_token"), "unauthenticated", 401, "UAEX"],
  ];

  it.each(table)("%s has a stable code, status and flags", async (error, code, status, flags) => {
    expect(error).toBeInstanceOf(MeshError);
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe(code);
    expect(error.status).toBe(status);
    expect(error.flagString).toBe(flags);
    const response = error.toResponse();
    expect(response.status).toBe(status);
    expect(response.headers.get(MESH_ERROR_HEADER)).toBe(code);
    expect(response.headers.get("content-type")).toBe("application/json");
    const body = (await response.json()) as { error: Record<string, string> };
    expect(body.error.code).toBe(code);
    expect(body.error.flags).toBe(flags);
    expect(body.error.message).toBe(error.message);
  });

  it("names the class and carries the reason into the body", async () => {
    const error = new AuthzDeniedError("deny_policy");
    expect(error.name).toBe("AuthzDeniedError");
    const body = (await error.toResponse().json()) as { error: Record<string, string> };
    expect(body.error.reason).toBe("deny_policy");
    const noReason = (await new NoRouteError("x").toResponse().json()) as { error: Record<string, string> };
    expect("reason" in noReason.error).toBe(false);
  });

  it("names the host in the no-route message", () => {
    expect(new NoRouteError("reviews.default", "/x").message).toContain("reviews.default/x");
  });

  it("keeps extra headers given to toResponse", () => {
    const response = new NoRouteError("x").toResponse({ "x-isthmus-snapshot": "7" });
    expect(response.headers.get("x-isthmus-snapshot")).toBe("7");
  });
});

describe("formatFlags", () => {
  it("prints - for none and joins unique flags", () => {
    expect(formatFlags([])).toBe("-");
    expect(formatFlags(["UT", "URX", "UT"])).toBe("UT,URX");
  });
});
