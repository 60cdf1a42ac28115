import { describe, expect, it } from "vitest";
import { doc, problemLines } from "./fixtures/documents.ts";
import { HeaderName, HeaderValue, WritableHeaderName } from "./header-name.ts";

const ok = (schema: { safeParse(v: unknown): { success: boolean } }, value: string) => schema.safeParse(value).success;
const vs = (http: Record<string, unknown>) => problemLines(doc("VirtualService", { hosts: ["reviews"], http: [{ route: [{ destination: { host: "reviews" } }], ...http }] }));
const ra = (rule: Record<string, unknown>) => problemLines(doc("RequestAuthentication", { jwtRules: [{ issuer: "https://idp.example", ...rule }] }));
const hr = (rule: Record<string, unknown>) => problemLines(doc("HTTPRoute", { rules: [{ backendRefs: [{ name: "reviews" }], ...rule }] }));

describe("header names and values", () => {
  it("names are RFC 9110 tokens", () => {
    for (const name of ["x-user", "X-Request-Id", "end_user", "a!#$%&'*+-.^_`|~9"]) expect(ok(HeaderName, name), name).toBe(true);
    for (const name of ["", "bad name", ":authority", "x-a:b", "x-a\r\nx-b", "x\u0000", "x-é", "x-a\t", "(x)", "x/y", "x\"y"]) expect(ok(HeaderName, name), JSON.stringify(name)).toBe(false);
  });

  it("values hold field-value characters only", () => {
    for (const value of ["", "a b\tc", "~!@#$%^&*()", "caf\u00e9"]) expect(ok(HeaderValue, value), value).toBe(true);
    for (const value of ["a\r\nx-admin: 1", "a\nb", "a\rb", "a\u0000b", "a\u007fb", "a\u0001", "\u2028", "snow\u2603"]) expect(ok(HeaderValue, value), JSON.stringify(value)).toBe(false);
  });

  it("a resource may not write the mesh's own headers", () => {
    for (const name of ["x-isthmus-peer", "X-Isthmus-Svid", "x-isthmus-peer-proof", "x-forwarded-client-cert", "x-spiffe-id"]) expect(ok(WritableHeaderName, name), name).toBe(false);
    expect(ok(WritableHeaderName, "x-user")).toBe(true);
  });

  it("VirtualService: header operations, matches, CORS and stickyHash name their field", () => {
    expect(vs({ headers: { request: { set: { "bad name": "1" } } } })).toEqual([expect.stringMatching(/^spec\.http\[0\]\.headers\.request\.set\["bad name"\]: must be an RFC 9110 token/)]);
    expect(vs({ headers: { request: { set: { "x-isthmus-peer": "spiffe://x" } } } })[0]).toMatch(/^spec\.http\[0\]\.headers\.request\.set\["x-isthmus-peer"\]: "x-isthmus-peer" is owned by the mesh/);
    expect(vs({ headers: { response: { add: { "x-isthmus-peer-proof": "x" } } } })[0]).toMatch(/response\.add\["x-isthmus-peer-proof"\]: .* owned by the mesh/);
    expect(vs({ headers: { request: { remove: ["x-forwarded-client-cert"] } } })[0]).toMatch(/^spec\.http\[0\]\.headers\.request\.remove\[0\]: .* owned by the mesh/);
    expect(vs({ headers: { request: { set: { "x-a": "1\r\nx-admin: true" } } } })[0]).toMatch(/^spec\.http\[0\]\.headers\.request\.set\["x-a"\]: must hold only visible characters/);
    expect(vs({ route: [{ destination: { host: "reviews" }, headers: { request: { add: { "x-spiffe-id": "x" } } } }] })[0]).toMatch(/^spec\.http\[0\]\.route\[0\]\.headers\.request\.add\["x-spiffe-id"\]/);
    expect(vs({ match: [{ headers: { ":authority": { exact: "a" } } }] })[0]).toMatch(/^spec\.http\[0\]\.match\[0\]\.headers\[":authority"\]: must be an RFC 9110 token/);
    expect(vs({ match: [{ withoutHeaders: { "x y": {} } }] })[0]).toMatch(/^spec\.http\[0\]\.match\[0\]\.withoutHeaders\["x y"\]/);
    expect(vs({ corsPolicy: { allowHeaders: ["x ok"] } })[0]).toMatch(/^spec\.http\[0\]\.corsPolicy\.allowHeaders\[0\]/);
    expect(vs({ corsPolicy: { exposeHeaders: ["x-isthmus-peer-svid"] } })[0]).toMatch(/^spec\.http\[0\]\.corsPolicy\.exposeHeaders\[0\]: .* owned by the mesh/);
    expect(vs({ corsPolicy: { allowMethods: ["GET\r\n"] } })[0]).toMatch(/^spec\.http\[0\]\.corsPolicy\.allowMethods\[0\]/);
    expect(vs({ corsPolicy: { allowOrigin: ["https://a\r\nset-cookie: x"] } })[0]).toMatch(/^spec\.http\[0\]\.corsPolicy\.allowOrigin\[0\]/);
    expect(vs({ stickyHash: { httpHeaderName: "x user" } })[0]).toMatch(/^spec\.http\[0\]\.stickyHash\.httpHeaderName/);
    expect(vs({ stickyHash: { httpCookie: { name: "a;b", ttl: "1h" } } })[0]).toMatch(/^spec\.http\[0\]\.stickyHash\.httpCookie\.name/);
    expect(vs({ stickyHash: { httpCookie: { name: "a", path: "/;domain=evil", ttl: "1h" } } })[0]).toMatch(/^spec\.http\[0\]\.stickyHash\.httpCookie\.path/);
    expect(vs({ headers: { request: { set: { "x-user": "a" } } }, match: [{ headers: { "x-user": {} } }], corsPolicy: { allowHeaders: ["*"], exposeHeaders: ["x-trace"] } })).toEqual([]);
  });

  it("DestinationRule consistentHash names its field", () => {
    const dr = (consistentHash: unknown) => problemLines(doc("DestinationRule", { host: "reviews", trafficPolicy: { loadBalancer: { consistentHash } } }));
    expect(dr({ httpHeaderName: "x:user" })[0]).toMatch(/^spec\.trafficPolicy\.loadBalancer\.consistentHash\.httpHeaderName: must be an RFC 9110 token/);
    expect(dr({ httpCookie: { name: "a b" } })[0]).toMatch(/^spec\.trafficPolicy\.loadBalancer\.consistentHash\.httpCookie\.name/);
    expect(dr({ httpHeaderName: "x-user" })).toEqual([]);
  });

  it("RequestAuthentication: token locations and claim outputs", () => {
    expect(ra({ outputPayloadToHeader: "x-isthmus-peer" })[0]).toMatch(/^spec\.jwtRules\[0\]\.outputPayloadToHeader: .* owned by the mesh/);
    expect(ra({ outputClaimToHeaders: [{ header: "x-spiffe-id", claim: "sub" }] })[0]).toMatch(/^spec\.jwtRules\[0\]\.outputClaimToHeaders\[0\]\.header: .* owned by the mesh/);
    expect(ra({ outputClaimToHeaders: [{ header: "x user", claim: "sub" }] })[0]).toMatch(/^spec\.jwtRules\[0\]\.outputClaimToHeaders\[0\]\.header: must be an RFC 9110 token/);
    expect(ra({ fromHeaders: [{ name: "authorization:" }] })[0]).toMatch(/^spec\.jwtRules\[0\]\.fromHeaders\[0\]\.name/);
    // A token header is removed after verification: reading the mesh's credentials as a token is a write too.
    expect(ra({ fromHeaders: [{ name: "x-isthmus-session" }] })[0]).toMatch(/^spec\.jwtRules\[0\]\.fromHeaders\[0\]\.name: .* owned by the mesh/);
    expect(ra({ fromHeaders: [{ name: "x-jwt-assertion" }] })).toEqual([]);
    expect(ra({ fromCookies: ["a=b"] })[0]).toMatch(/^spec\.jwtRules\[0\]\.fromCookies\[0\]/);
  });

  it("AuthorizationPolicy: header condition keys", () => {
    const when = (key: string) => problemLines(doc("AuthorizationPolicy", { rules: [{ when: [{ key, values: ["a"] }] }] }));
    expect(when("request.headers[x user]")[0]).toMatch(/^spec\.rules\[0\]\.when\[0\]\.key: header name "x user" must be an RFC 9110 token/);
    expect(when("request.headers[:path]")[0]).toMatch(/^spec\.rules\[0\]\.when\[0\]\.key/);
    expect(when("request.headers[x-user]")).toEqual([]);
  });

  it("HTTPRoute: header modifiers and matches", () => {
    const filter = (type: string, field: string, modifier: unknown) => hr({ filters: [{ type, [field]: modifier }] });
    expect(filter("RequestHeaderModifier", "requestHeaderModifier", { set: [{ name: "x-isthmus-svid", value: "t" }] })[0]).toMatch(/^spec\.rules\[0\]\.filters\[0\]\.requestHeaderModifier\.set\[0\]\.name: .* owned by the mesh/);
    expect(filter("ResponseHeaderModifier", "responseHeaderModifier", { add: [{ name: "x-a", value: "1\n2" }] })[0]).toMatch(/^spec\.rules\[0\]\.filters\[0\]\.responseHeaderModifier\.add\[0\]\.value/);
    expect(filter("RequestHeaderModifier", "requestHeaderModifier", { remove: ["x-forwarded-client-cert"] })[0]).toMatch(/remove\[0\]: .* owned by the mesh/);
    expect(hr({ matches: [{ headers: [{ name: "bad header", value: "a" }] }] })[0]).toMatch(/^spec\.rules\[0\]\.matches\[0\]\.headers\[0\]\.name/);
  });
});
