// The gateway and mesh routes the traffic tests exercise, one route per feature.
export const EDGE_ROUTES = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: edge }
spec:
  hosts: ["*"]
  gateways: [test-gateway]
  http:
  - match: [{ uri: { prefix: /split/ } }]
    rewrite: { uri: / }
    route:
    - { destination: { host: back, subset: v1 }, weight: 70.5 }
    - { destination: { host: back, subset: v2 }, weight: 20 }
    - { destination: { host: back, subset: v3 }, weight: 9.5 }
  - match: [{ uri: { prefix: /sticky/ } }]
    rewrite: { uri: / }
    stickyHash: { httpHeaderName: end-user }
    route:
    - { destination: { host: back, subset: v1 }, weight: 80 }
    - { destination: { host: back, subset: v3 }, weight: 20 }
  - match: [{ uri: { prefix: /retry/ } }]
    rewrite: { uri: / }
    retries: { attempts: 3, retryOn: 5xx, perTryTimeout: 2s }
    route: [{ destination: { host: back, subset: v1 } }]
  - match: [{ uri: { prefix: /noretry/ } }]
    rewrite: { uri: / }
    retries: { attempts: 0 }
    route: [{ destination: { host: back, subset: v1 } }]
  - match: [{ uri: { prefix: /storm/ } }]
    rewrite: { uri: / }
    retries: { attempts: 5, retryOn: 5xx }
    route: [{ destination: { host: storm } }]
  - match: [{ uri: { prefix: /outlier/ } }]
    rewrite: { uri: / }
    retries: { attempts: 0 }
    route: [{ destination: { host: pool } }]
  - match: [{ uri: { prefix: /timeout/ } }]
    rewrite: { uri: / }
    timeout: 300ms
    route: [{ destination: { host: back, subset: v1 } }]
  - match: [{ uri: { prefix: /per-try/ } }]
    rewrite: { uri: / }
    retries: { attempts: 1, perTryTimeout: 200ms, retryOn: 5xx }
    route: [{ destination: { host: back, subset: v1 } }]
  - match: [{ uri: { prefix: /abort/ } }]
    rewrite: { uri: / }
    fault: { abort: { httpStatus: 418, percentage: { value: 100 } } }
    route: [{ destination: { host: back, subset: v1 } }]
  - match: [{ uri: { prefix: /delay/ } }]
    rewrite: { uri: / }
    fault: { delay: { fixedDelay: 400ms, percentage: { value: 100 } } }
    route: [{ destination: { host: back, subset: v1 } }]
  - match: [{ uri: { prefix: /mirror/ } }]
    rewrite: { uri: / }
    mirror: { host: shadow }
    mirrorPercentage: { value: 100 }
    route: [{ destination: { host: back, subset: v1 } }]
  - match: [{ uri: { prefix: /rewrite/ } }]
    rewrite: { uri: /rewritten/ }
    headers:
      request: { set: { x-route: edge }, add: { x-trail: gateway }, remove: [x-drop-me] }
      response: { set: { x-served-by: isthmus } }
    route:
    - destination: { host: back, subset: v2 }
      headers: { request: { set: { x-destination: back-v2 } } }
  - match: [{ uri: { prefix: /cors/ } }]
    rewrite: { uri: / }
    corsPolicy:
      allowOrigins: [{ exact: "https://app.example" }]
      allowMethods: [GET, POST]
      allowHeaders: [x-custom]
      maxAge: 1h
    route: [{ destination: { host: back, subset: v1 } }]
  - match: [{ uri: { exact: /old } }]
    redirect: { uri: /new, redirectCode: 302 }
  - match: [{ uri: { prefix: /front/ } }]
    rewrite: { uri: / }
    route: [{ destination: { host: front } }]
  - match: [{ uri: { prefix: /side/ } }]
    rewrite: { uri: / }
    route: [{ destination: { host: side } }]
  - match: [{ uri: { prefix: /limited/ } }]
    rewrite: { uri: / }
    route: [{ destination: { host: shadow } }]
  - match: [{ uri: { prefix: /canary/ } }]
    rewrite: { uri: / }
    route: [{ destination: { host: back, subset: v1 }, weight: 100 }, { destination: { host: back, subset: v2 }, weight: 0 }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: back }
spec:
  hosts: [back]
  http:
  - match: [{ headers: { end-user: { exact: jason } } }]
    route: [{ destination: { host: back, subset: v2 } }]
  - route: [{ destination: { host: back, subset: v1 } }]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: pool }
spec:
  host: pool
  trafficPolicy:
    loadBalancer: { simple: ROUND_ROBIN }
    outlierDetection: { consecutive5xxErrors: 2, interval: 1s, baseEjectionTime: 2s, maxEjectionPercent: 100 }
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: shadow }
spec:
  host: shadow
  trafficPolicy:
    connectionPool: { http: { http2MaxRequests: 2 } }
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: storm }
spec:
  host: storm
  trafficPolicy:
    retryBudget: { percent: 10, minRetryConcurrency: 1, budgetInterval: 10s }
`;

/** The canary route with new weights, as an operator would re-apply it. */
export function canaryRoutes(v1: number, v2: number): string {
  return EDGE_ROUTES.replace(
    "route: [{ destination: { host: back, subset: v1 }, weight: 100 }, { destination: { host: back, subset: v2 }, weight: 0 }]",
    `route: [{ destination: { host: back, subset: v1 }, weight: ${v1} }, { destination: { host: back, subset: v2 }, weight: ${v2} }]`,
  ).split("---\n")[0]!;
}

/** The sticky route with new weights (v1, v3). */
export function stickyRoutes(v1: number, v3: number): string {
  return EDGE_ROUTES.replace(
    "    - { destination: { host: back, subset: v1 }, weight: 80 }\n    - { destination: { host: back, subset: v3 }, weight: 20 }",
    `    - { destination: { host: back, subset: v1 }, weight: ${v1} }\n    - { destination: { host: back, subset: v3 }, weight: ${v3} }`,
  ).split("---\n")[0]!;
}
