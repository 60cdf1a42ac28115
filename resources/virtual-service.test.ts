import { describe, expect, it } from "vitest";
import { doc, problemLines } from "./fixtures/documents.ts";
import { validateResource } from "./validate.ts";

const route = (extra: Record<string, unknown> = {}) => ({ route: [{ destination: { host: "reviews" } }], ...extra });
const vs = (http: unknown[], extra: Record<string, unknown> = {}) => doc("VirtualService", { hosts: ["reviews"], http, ...extra });
const lines = (http: unknown[], extra?: Record<string, unknown>) => problemLines(vs(http, extra));

describe("VirtualService", () => {
  it("accepts every supported field together", () => {
    const full = vs(
      [
        {
          name: "canary",
          match: [
            {
              name: "jason",
              uri: { regex: "/reviews/[0-9]+" },
              scheme: { exact: "https" },
              method: { exact: "GET" },
              authority: { prefix: "reviews" },
              headers: { "end-user": { exact: "jason" }, "x-present": {} },
              withoutHeaders: { "x-canary-off": {} },
              queryParams: { debug: { exact: "" } },
              port: 9080,
              sourceLabels: { app: "productpage" },
              sourceNamespace: "default",
              gateways: ["mesh"],
              ignoreUriCase: true,
            },
          ],
          route: [
            { destination: { host: "reviews", subset: "v1", port: { number: 9080 } }, weight: 99.75, headers: { request: { set: { "x-v": "1" } } } },
            { destination: { host: "reviews", subset: "v2" }, weight: 0.25 },
          ],
          stickyHash: { httpCookie: { name: "user" } },
          rewrite: { uri: "/v2/reviews", authority: "reviews.internal" },
          timeout: "10s",
          retries: { attempts: 3, perTryTimeout: "0.5s", retryOn: "5xx,reset", retryRemoteLocalities: true, backoff: "25ms" },
          fault: { delay: { percentage: { value: 0.1 }, fixedDelay: "5s" }, abort: { percentage: { value: 1 }, httpStatus: 503 } },
          mirrors: [{ destination: { host: "reviews", subset: "v3" }, percentage: { value: 12.5 } }],
          corsPolicy: {
            allowOrigins: [{ exact: "https://a.example" }, { regex: "https://.*\\.example" }],
            allowMethods: ["GET", "POST"],
            allowHeaders: ["x-user"],
            exposeHeaders: ["x-trace"],
            maxAge: "24h",
            allowCredentials: true,
          },
          headers: { request: { set: { a: "1" }, add: { b: "2" }, remove: ["c"] }, response: { remove: ["server"] } },
        },
        { redirect: { uri: "/new", authority: "example.org", redirectCode: 301, scheme: "https", port: 8443 } },
        route({ mirror: { host: "reviews", subset: "v2" }, mirrorPercentage: { value: 50 } }),
      ],
      { gateways: ["mesh", "istio-system/edge"], exportTo: [".", "*", "shop"] },
    );
    expect(problemLines(full)).toEqual([]);
    const parsed = validateResource(full);
    expect(parsed.kind === "VirtualService" && parsed.spec.http?.[0].route?.[1].weight).toBe(0.25);
  });

  it("checks route weights: 0..100 with at most two decimals", () => {
    const weighted = (weight: unknown) => lines([{ route: [{ destination: { host: "reviews" }, weight }] }]);
    expect(weighted(101)).toEqual(["spec.http[0].route[0].weight: must be 0..100"]);
    expect(weighted(-1)).toEqual(["spec.http[0].route[0].weight: must be 0..100"]);
    expect(weighted(10.005)).toEqual(["spec.http[0].route[0].weight: must have at most two decimal places (0.01 granularity)"]);
    expect(weighted("10")[0]).toMatch(/^spec.http\[0\].route\[0\].weight: Invalid input: expected number/);
    for (const ok of [0, 0.01, 33.33, 100]) expect(weighted(ok)).toEqual([]);
  });

  it("needs exactly one of exact, prefix, regex in a StringMatch", () => {
    expect(lines([route({ match: [{ uri: {} }] })])).toEqual(["spec.http[0].match[0].uri: must set exactly one of exact, prefix, regex"]);
    expect(lines([route({ match: [{ method: { exact: "GET", prefix: "G" } }] })])).toEqual([
      "spec.http[0].match[0].method: must set exactly one of exact, prefix, regex",
    ]);
    expect(lines([route({ match: [{ uri: { suffix: ".css" } }] })])).toContain('spec.http[0].match[0].uri.suffix: unknown field "suffix"');
  });

  it("lets an empty header or query match mean presence, but not two kinds at once", () => {
    expect(lines([route({ match: [{ headers: { "x-a": {} }, queryParams: { q: {} } }] })])).toEqual([]);
    expect(lines([route({ match: [{ headers: { "end-user": { exact: "a", regex: "b" } } }] })])).toEqual([
      'spec.http[0].match[0].headers["end-user"]: must set at most one of exact, prefix, regex',
    ]);
  });

  it("refuses regexes that do not compile or that RE2 refuses", () => {
    expect(lines([route({ match: [{ uri: { regex: "/(a" } }] })])[0]).toMatch(/^spec.http\[0\].match\[0\].uri.regex: invalid regex "\/\(a"/);
    expect(lines([route({ match: [{ uri: { regex: "(?<=/api)/x" } }] })])[0]).toMatch(/lookbehind is not supported \(Envoy uses RE2\): /);
    expect(lines([route({ match: [{ headers: { h: { regex: "(a)\\1" } } }] })])[0]).toMatch(/^spec.http\[0\].match\[0\].headers.h.regex: .*backreferences/);
    expect(lines([route({ rewrite: { uriRegexRewrite: { match: "^/(?=x)", rewrite: "/" } } })])[0]).toMatch(
      /^spec.http\[0\].rewrite.uriRegexRewrite.match: .*lookahead/,
    );
    expect(lines([route({ corsPolicy: { allowOrigins: [{ regex: "[" }] } })])[0]).toMatch(/^spec.http\[0\].corsPolicy.allowOrigins\[0\].regex: invalid regex/);
    expect(lines([route({ rewrite: { uriRegexRewrite: { match: "^/(a)", rewrite: "/\\2" } } })])).toEqual([
      'spec.http[0].rewrite.uriRegexRewrite.rewrite: invalid regex rewrite "/\\\\2": \\2 refers to group 2, but the regex has 1 group',
    ]);
    expect(lines([route({ rewrite: { uriRegexRewrite: { match: "^/(a)", rewrite: "/\\1$2" } } })])).toEqual([]);
  });

  it("checks durations", () => {
    for (const ok of ["10s", "0.5s", "100ms", "1m30s", "1h", "0"]) expect(lines([route({ timeout: ok })])).toEqual([]);
    for (const bad of ["10", "ten", "-1s", "1d", ""]) {
      expect(lines([route({ timeout: bad })])).toEqual(['spec.http[0].timeout: must be a duration such as "10s", "0.5s", "1m" or "100ms"']);
    }
    expect(lines([route({ retries: { attempts: 2, perTryTimeout: "2" } })])[0]).toMatch(/^spec.http\[0\].retries.perTryTimeout: must be a duration/);
    expect(lines([route({ corsPolicy: { maxAge: "a day" } })])[0]).toMatch(/^spec.http\[0\].corsPolicy.maxAge: /);
    expect(lines([route({ retries: { attempts: -1 } })])).toEqual(["spec.http[0].retries.attempts: must be 0 or more"]);
  });

  it("checks fault injection", () => {
    const fault = (f: unknown) => lines([route({ fault: f })]);
    expect(fault({})).toEqual(["spec.http[0].fault: must set delay or abort"]);
    expect(fault({ abort: { httpStatus: 600 } })).toEqual(["spec.http[0].fault.abort.httpStatus: must be an HTTP status 200..599"]);
    expect(fault({ abort: { httpStatus: 199 } })).toEqual(["spec.http[0].fault.abort.httpStatus: must be an HTTP status 200..599"]);
    expect(fault({ abort: { httpStatus: 500, percentage: { value: 100.5 } } })).toEqual(["spec.http[0].fault.abort.percentage.value: must be 0..100"]);
    expect(fault({ delay: { percentage: { value: 10 } } })).toEqual(["spec.http[0].fault.delay.fixedDelay: is required"]);
    expect(fault({ delay: { fixedDelay: "1s", percent: 101 } })).toEqual(["spec.http[0].fault.delay.percent: must be 0..100"]);
    expect(fault({ delay: { exponentialDelay: "1s", fixedDelay: "1s" } })).toEqual([
      'spec.http[0].fault.delay.exponentialDelay: unsupported field "exponentialDelay": only fixedDelay is supported',
    ]);
    expect(fault({ abort: { grpcStatus: "UNAVAILABLE", httpStatus: 500 } })[0]).toMatch(/^spec.http\[0\].fault.abort.grpcStatus: unsupported field "grpcStatus"/);
  });

  it("refuses TCP and TLS routes and other unimplemented Istio fields by name", () => {
    expect(lines([route()], { tcp: [{ route: [] }] })).toEqual(['spec.tcp: unsupported field "tcp": Isthmus routes HTTP only']);
    expect(lines([route()], { tls: [] })[0]).toMatch(/^spec.tls: unsupported field "tls"/);
    expect(lines([route({ directResponse: { status: 200 } })])[0]).toMatch(/^spec.http\[0\].directResponse: unsupported field "directResponse"/);
    expect(lines([route({ delegate: { name: "x" } })])[0]).toMatch(/^spec.http\[0\].delegate: unsupported field "delegate"/);
    expect(lines([route({ mirrorPercent: 5 })])[0]).toMatch(/^spec.http\[0\].mirrorPercent: unsupported field "mirrorPercent": deprecated/);
    expect(lines([route({ match: [{ statPrefix: "x" }] })])[0]).toMatch(/^spec.http\[0\].match\[0\].statPrefix: unsupported field/);
  });

  it("needs a route or a redirect, not both", () => {
    expect(lines([{ timeout: "1s" }])).toEqual(["spec.http[0]: must set route or redirect"]);
    expect(lines([route({ redirect: { uri: "/x" } })])).toEqual(["spec.http[0].redirect: a route with redirect cannot also have route destinations"]);
    expect(lines([{ route: [] }])).toEqual(["spec.http[0].route: must name at least one destination"]);
    expect(lines([{ redirect: { redirectCode: 200 } }])).toEqual(["spec.http[0].redirect.redirectCode: must be a 3xx status"]);
    expect(lines([{ redirect: { port: 80, derivePort: "FROM_REQUEST_PORT" } }])).toEqual(["spec.http[0].redirect: set at most one of port, derivePort"]);
    expect(lines([route({ rewrite: { uri: "/a", uriRegexRewrite: { match: "a", rewrite: "b" } } })])).toEqual([
      "spec.http[0].rewrite: set at most one of uri, uriRegexRewrite",
    ]);
  });

  it("checks mirrors and percentages", () => {
    expect(lines([route({ mirror: { host: "a" }, mirrors: [{ destination: { host: "b" } }] })])).toEqual(["spec.http[0].mirrors: set at most one of mirror, mirrors"]);
    expect(lines([route({ mirrorPercentage: { value: 150 } })])).toEqual(["spec.http[0].mirrorPercentage.value: must be 0..100"]);
    expect(lines([route({ mirrors: [{ percentage: { value: 5 } }] })])).toEqual(["spec.http[0].mirrors[0].destination: is required"]);
  });

  it("checks ports", () => {
    expect(lines([{ route: [{ destination: { host: "a", port: { number: 0 } } }] }])).toEqual([
      "spec.http[0].route[0].destination.port.number: must be a port number 1..65535",
    ]);
    expect(lines([route({ match: [{ port: 70000 }] })])).toEqual(["spec.http[0].match[0].port: must be a port number 1..65535"]);
    expect(lines([route({ match: [{ port: 80.5 }] })])).toEqual(["spec.http[0].match[0].port: must be a whole number"]);
    expect(lines([{ route: [{ destination: { host: "a", port: { name: "http" } } }] }])).toContain(
      'spec.http[0].route[0].destination.port.name: unknown field "name"',
    );
  });

  it("checks the Isthmus stickyHash extension: exactly one key", () => {
    for (const ok of [{ httpHeaderName: "x-user" }, { httpCookie: { name: "u" } }, { httpQueryParameterName: "user" }, { useSourceIp: true }]) {
      expect(lines([route({ stickyHash: ok })])).toEqual([]);
    }
    const message = "spec.http[0].stickyHash: must set exactly one of httpHeaderName, httpCookie, httpQueryParameterName, useSourceIp";
    expect(lines([route({ stickyHash: {} })])).toEqual([message]);
    expect(lines([route({ stickyHash: { httpHeaderName: "a", httpQueryParameterName: "b" } })])).toEqual([message]);
    expect(lines([route({ stickyHash: { httpCookie: { name: "u", ttl: "0s", path: "/" } } })])).toEqual([]);
  });

  it("checks hosts, header operations and exportTo", () => {
    expect(problemLines(doc("VirtualService", { hosts: [] }))).toEqual(["spec.hosts: must name at least one host"]);
    expect(problemLines(doc("VirtualService", { hosts: [""] }))).toEqual(["spec.hosts[0]: must not be empty"]);
    expect(lines([route({ headers: { request: { append: { a: "b" } } } })])).toEqual(['spec.http[0].headers.request.append: unknown field "append"']);
    expect(lines([route()], { exportTo: ["~"] })).toEqual(['spec.exportTo[0]: must be ".", "*" or a namespace name']);
    expect(lines([route({ headers: { request: { set: { "x-client": "%DOWNSTREAM_REMOTE_ADDRESS%" } } } })])).toEqual([
      'spec.http[0].headers.request.set["x-client"]: unsupported header value placeholder (%VARIABLE%): values are sent as written',
    ]);
    expect(lines([route({ headers: { response: { add: { "x-id": "%REQ(x-request-id)%" } } } })])[0]).toMatch(/placeholder/);
    expect(lines([route({ headers: { request: { set: { "x-discount": "50%" } } } })])).toEqual([]);
  });

  it("checks retryOn conditions", () => {
    expect(lines([route({ retries: { attempts: 2, retryOn: "gateway-error,connect-failure,503" } })])).toEqual([]);
    expect(lines([route({ retries: { attempts: 2, retryOn: "unavailable,cancelled,deadline-exceeded,internal,resource-exhausted" } })])).toEqual([]);
    expect(lines([route({ retries: { attempts: 2, retryIgnorePreviousHosts: false } })])).toEqual([]);
    expect(lines([route({ retries: { attempts: 2, retryOn: "5xx,retriable-headers" } })])[0]).toMatch(
      /^spec.http\[0\].retries.retryOn: unsupported retryOn condition "retriable-headers"/,
    );
  });
});
