import { describe, expect, it } from "vitest";
import { Cors, isPreflight } from "./cors.ts";

const policy = {
  allowOrigins: [{ exact: "https://example.com" }, { prefix: "https://dev." }, { regex: "https://[a-z]+\\.example\\.org" }],
  allowMethods: ["POST", "GET"],
  allowHeaders: ["X-Foo-Bar", "Authorization"],
  exposeHeaders: ["X-Trace"],
  maxAge: "24h",
  allowCredentials: true,
};

const preflight = (origin: string | null, method = "POST") =>
  new Request("https://api.example.com/x", {
    method: "OPTIONS",
    headers: { ...(origin ? { origin } : {}), "access-control-request-method": method },
  });

describe("isPreflight", () => {
  it("needs OPTIONS, Origin and Access-Control-Request-Method", () => {
    expect(isPreflight(preflight("https://example.com"))).toBe(true);
    expect(isPreflight(preflight(null))).toBe(false);
    expect(isPreflight(new Request("https://a/", { method: "OPTIONS", headers: { origin: "https://example.com" } }))).toBe(false);
    expect(isPreflight(new Request("https://a/", { headers: { origin: "x", "access-control-request-method": "GET" } }))).toBe(false);
  });
});

describe("Cors", () => {
  const cors = new Cors(policy);

  it.each(["https://example.com", "https://dev.shop.io", "https://store.example.org"])("answers an allowed preflight from %s", (origin) => {
    const answer = cors.preflight(preflight(origin));
    expect(answer.kind).toBe("respond");
    const { response } = answer as { response: Response };
    expect(response.status).toBe(200);
    expect(response.headers.get("access-control-allow-origin")).toBe(origin);
    expect(response.headers.get("access-control-allow-methods")).toBe("POST,GET");
    expect(response.headers.get("access-control-allow-headers")).toBe("X-Foo-Bar,Authorization");
    expect(response.headers.get("access-control-max-age")).toBe("86400");
    expect(response.headers.get("access-control-allow-credentials")).toBe("true");
  });

  it.each(["https://evil.com", "https://example.com.evil.com", "http://example.com", "https://a.b.example.org"])("forwards a preflight from %s without answering", (origin) => {
    expect(cors.preflight(preflight(origin))).toEqual({ kind: "forward" });
  });

  it("with unmatchedPreflights IGNORE answers 200 without CORS headers", () => {
    const answer = new Cors({ ...policy, unmatchedPreflights: "IGNORE" }).preflight(preflight("https://evil.com"));
    expect(answer.kind).toBe("respond");
    const { response } = answer as { response: Response };
    expect([...response.headers.keys()].filter((k) => k.startsWith("access-control"))).toEqual([]);
  });

  it("adds headers to actual responses only for allowed origins", () => {
    const allowed = new Headers();
    cors.applyToResponse(new Headers({ origin: "https://example.com" }), allowed);
    expect(allowed.get("access-control-allow-origin")).toBe("https://example.com");
    expect(allowed.get("access-control-expose-headers")).toBe("X-Trace");
    expect(allowed.get("access-control-allow-credentials")).toBe("true");
    expect(allowed.get("vary")).toBe("Origin");
    const denied = new Headers();
    cors.applyToResponse(new Headers({ origin: "https://evil.com" }), denied);
    expect([...denied.keys()]).toEqual([]);
    const none = new Headers();
    cors.applyToResponse(new Headers(), none);
    expect([...none.keys()]).toEqual([]);
  });

  it("the deprecated allowOrigin list: exact, or * for any origin", () => {
    expect(new Cors({ allowOrigin: ["https://a.com"] }).allows("https://a.com")).toBe(true);
    expect(new Cors({ allowOrigin: ["https://a.com"] }).allows("https://b.com")).toBe(false);
    expect(new Cors({ allowOrigin: ["*"] }).allows("https://b.com")).toBe(true);
    expect(new Cors({}).allows("https://b.com")).toBe(false);
    const minimal = new Cors({ allowOrigins: [{ exact: "https://a.com" }] }).preflight(preflight("https://a.com"));
    const headers = (minimal as { response: Response }).response.headers;
    expect(headers.get("access-control-allow-methods")).toBeNull();
    expect(headers.get("access-control-max-age")).toBeNull();
    expect(headers.get("access-control-allow-credentials")).toBeNull();
  });
});
