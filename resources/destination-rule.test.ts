import { describe, expect, it } from "vitest";
import { doc, problemLines } from "./fixtures/documents.ts";

const dr = (spec: Record<string, unknown>) => problemLines(doc("DestinationRule", { host: "reviews", ...spec }));
const policy = (trafficPolicy: unknown) => dr({ trafficPolicy });

describe("DestinationRule", () => {
  it("accepts subsets and every supported traffic policy field", () => {
    const full = {
      loadBalancer: { consistentHash: { httpCookie: { name: "user" }, ringHash: { minimumRingSize: 1024 } } },
      connectionPool: {
        tcp: { maxConnections: 100, idleTimeout: "1h" },
        http: { http1MaxPendingRequests: 1, http2MaxRequests: 10, maxRequestsPerConnection: 1, idleTimeout: "30s", maxConcurrentStreams: 4 },
      },
      outlierDetection: {
        consecutiveErrors: 5,
        consecutive5xxErrors: 7,
        consecutiveGatewayErrors: 3,
        consecutiveLocalOriginFailures: 2,
        splitExternalLocalOriginErrors: true,
        interval: "5m",
        baseEjectionTime: "15m",
        maxEjectionPercent: 100,
        minHealthPercent: 0,
      },
      tls: { mode: "ISTIO_MUTUAL" },
      retryBudget: { percent: 20, minRetryConcurrency: 3, budgetInterval: "1s" },
    };
    expect(
      dr({
        trafficPolicy: full,
        subsets: [
          { name: "v1", labels: { version: "v1" } },
          { name: "v2", labels: { version: "v2" }, trafficPolicy: { loadBalancer: { simple: "LEAST_REQUEST" } } },
        ],
        exportTo: ["."],
      }),
    ).toEqual([]);
    for (const simple of ["ROUND_ROBIN", "RANDOM", "LEAST_REQUEST", "LEAST_CONN", "PASSTHROUGH", "UNSPECIFIED"]) {
      expect(policy({ loadBalancer: { simple } })).toEqual([]);
    }
    for (const mode of ["DISABLE", "SIMPLE", "MUTUAL", "ISTIO_MUTUAL"]) expect(policy({ tls: { mode } })).toEqual([]);
  });

  it("needs a host and named, unique subsets", () => {
    expect(problemLines(doc("DestinationRule", { subsets: [] }))).toEqual(["spec.host: is required"]);
    expect(dr({ subsets: [{ labels: { version: "v1" } }] })).toEqual(["spec.subsets[0].name: is required"]);
    expect(dr({ subsets: [{ name: "v1" }, { name: "v1" }] })).toEqual(['spec.subsets[1].name: duplicate subset "v1"']);
    expect(dr({ subsets: [{ name: "v1", labels: { version: 1 } }] })[0]).toMatch(/^spec.subsets\[0\].labels.version: /);
  });

  it("checks the load balancer", () => {
    expect(policy({ loadBalancer: { simple: "FASTEST" } })[0]).toMatch(/^spec.trafficPolicy.loadBalancer.simple: Invalid option/);
    expect(policy({ loadBalancer: { simple: "RANDOM", consistentHash: { useSourceIp: true } } })).toEqual([
      "spec.trafficPolicy.loadBalancer: set at most one of simple, consistentHash",
    ]);
    const oneKey = "spec.trafficPolicy.loadBalancer.consistentHash: must set exactly one of httpHeaderName, httpCookie, useSourceIp, httpQueryParameterName";
    expect(policy({ loadBalancer: { consistentHash: {} } })).toEqual([oneKey]);
    expect(policy({ loadBalancer: { consistentHash: { httpHeaderName: "a", httpQueryParameterName: "b" } } })).toEqual([oneKey]);
    expect(policy({ loadBalancer: { consistentHash: { httpHeaderName: "a", ringHash: {}, maglev: {} } } })).toEqual([
      "spec.trafficPolicy.loadBalancer.consistentHash: set at most one of ringHash, maglev",
    ]);
    expect(policy({ loadBalancer: { consistentHash: { httpCookie: {} } } })).toEqual(["spec.trafficPolicy.loadBalancer.consistentHash.httpCookie.name: is required"]);
    expect(policy({ loadBalancer: { localityLbSetting: { enabled: true } } })[0]).toMatch(
      /^spec.trafficPolicy.loadBalancer.localityLbSetting: unsupported field "localityLbSetting"/,
    );
    expect(policy({ loadBalancer: { warmupDurationSecs: "10s" } })[0]).toMatch(/unsupported field "warmupDurationSecs"/);
  });

  it("checks outlier detection and connection pools", () => {
    expect(policy({ outlierDetection: { maxEjectionPercent: 101 } })).toEqual(["spec.trafficPolicy.outlierDetection.maxEjectionPercent: must be 0..100"]);
    expect(policy({ outlierDetection: { consecutive5xxErrors: -1 } })).toEqual(["spec.trafficPolicy.outlierDetection.consecutive5xxErrors: must be 0 or more"]);
    expect(policy({ outlierDetection: { baseEjectionTime: "30" } })[0]).toMatch(/^spec.trafficPolicy.outlierDetection.baseEjectionTime: must be a duration/);
    expect(policy({ connectionPool: { http: { h2UpgradePolicy: "UPGRADE" } } })[0]).toMatch(
      /^spec.trafficPolicy.connectionPool.http.h2UpgradePolicy: unsupported field "h2UpgradePolicy"/,
    );
    expect(policy({ connectionPool: { tcp: { tcpKeepalive: { time: "1s" } } } })[0]).toMatch(/unsupported field "tcpKeepalive"/);
    expect(policy({ connectionPool: { http: { maxRetries: 1.5 } } })[0]).toMatch(/^spec.trafficPolicy.connectionPool.http.maxRetries: /);
    expect(policy({ connectionPool: { http: { maxRetries: 3 } } })).toEqual([]);
    expect(policy({ loadBalancer: { consistentHash: { httpCookie: { name: "user", ttl: "0s", path: "/" } } } })).toEqual([]);
    expect(policy({ loadBalancer: { consistentHash: { httpCookie: { name: "user", ttl: "1 hour" } } } })[0]).toMatch(/httpCookie.ttl: must be a duration/);
  });

  it("checks client TLS: modes, and certificate files refused", () => {
    expect(policy({ tls: { mode: "PLAIN" } })[0]).toMatch(/^spec.trafficPolicy.tls.mode: Invalid option/);
    expect(policy({ tls: { mode: "MUTUAL", clientCertificate: "/etc/certs/cert.pem" } })).toEqual([
      'spec.trafficPolicy.tls.clientCertificate: unsupported field "clientCertificate": certificate files do not exist on Workers; use credentialName',
    ]);
    expect(policy({ tls: { insecureSkipVerify: true } })[0]).toMatch(/unsupported field "insecureSkipVerify"/);
  });

  it("refuses by name the fields a Worker cannot honour", () => {
    const refused = (spec: Record<string, unknown>) => policy(spec)[0];
    expect(refused({ portLevelSettings: [{ port: { number: 443 } }] })).toMatch(/^spec.trafficPolicy.portLevelSettings: unsupported field "portLevelSettings"/);
    expect(refused({ connectionPool: { tcp: { connectTimeout: "30ms" } } })).toMatch(/unsupported field "connectTimeout"/);
    expect(refused({ tls: { mode: "SIMPLE", sni: "x.example" } })).toMatch(/unsupported field "sni"/);
    expect(refused({ tls: { mode: "SIMPLE", subjectAltNames: ["x"] } })).toMatch(/unsupported field "subjectAltNames"/);
    expect(refused({ outlierDetection: { outlierDetectionHttpErrorCodes: [500] } })).toMatch(/unsupported field "outlierDetectionHttpErrorCodes"/);
    expect(dr({ workloadSelector: { matchLabels: { app: "productpage" } } })[0]).toMatch(/^spec.workloadSelector: unsupported field "workloadSelector"/);
  });

  it("refuses tunnels and the PROXY protocol", () => {
    expect(policy({ tunnel: { targetHost: "a", targetPort: 1 } })[0]).toMatch(/^spec.trafficPolicy.tunnel: unsupported field "tunnel"/);
    expect(policy({ proxyProtocol: {} })[0]).toMatch(/^spec.trafficPolicy.proxyProtocol: unsupported field/);
    expect(policy({ retryBudget: { percent: 120 } })).toEqual(["spec.trafficPolicy.retryBudget.percent: must be 0..100"]);
  });
});
