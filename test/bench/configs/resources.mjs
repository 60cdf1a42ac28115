// The bench mesh's configuration, as Istio resources (JSON for POST /v1/apply): per
// variant a namespace with the service `echo` in two versions, a 50-route VirtualService
// whose request hits a late route that splits 90/10, a DestinationRule hashing on the
// `end-user` header, an ALLOW policy, and the variant's PeerAuthentication.

export const GATEWAY_PRINCIPAL = "cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account";
export const BENCH_GATEWAY = "istio-system/bench-gateway";
/** The weights of the split the request hits. */
export const SPLIT = { v1: 90, v2: 10 };
/** Headers and path of the benchmark request: they match the late route only. */
export const HIT = { path: "/api/v1/products/7", headers: { "x-bench": "on" } };

const meta = (name, namespace, extra = {}) => ({ name, namespace, ...extra });

/** ServiceEntry `echo` of `namespace`, one endpoint per version, reached through `worker://`. */
export function serviceEntry(namespace, endpoints, name = "echo") {
  return {
    apiVersion: "networking.istio.io/v1",
    kind: "ServiceEntry",
    metadata: meta(name, namespace),
    spec: {
      hosts: [name],
      location: "MESH_INTERNAL",
      ports: [{ number: 9080, name: "http", protocol: "HTTP" }],
      resolution: "STATIC",
      endpoints: endpoints.map(({ worker, version }) => ({ address: `worker://${worker}`, labels: { app: name, version }, serviceAccount: name })),
    },
  };
}

export function destinationRule(namespace) {
  return {
    apiVersion: "networking.istio.io/v1",
    kind: "DestinationRule",
    metadata: meta("echo", namespace),
    spec: {
      host: "echo",
      trafficPolicy: { loadBalancer: { consistentHash: { httpHeaderName: "end-user" } } },
      subsets: Object.keys(SPLIT).map((v) => ({ name: v, labels: { version: v } })),
    },
  };
}

/**
 * `count` routes for `host`; the request (HIT) matches only route `count - 2` (regex path +
 * header), which splits by SPLIT; the last route is a catch-all. The others mix prefix,
 * regex and header matches, about half of them candidates for the HIT path that the
 * matcher must test and reject.
 */
export function routes(count, destinationHost) {
  const to = (subset) => ({ destination: { host: destinationHost, subset } });
  const list = [];
  for (let i = 0; i < count - 2; i++) {
    const kind = i % 4;
    const match =
      kind === 0 ? { uri: { prefix: `/svc-${i}/` } }
      : kind === 1 ? { uri: { regex: `/api/v1/products/[0-9]+/r${i}` } }
      : kind === 2 ? { uri: { prefix: "/api/" }, headers: { "x-tenant": { exact: `tenant-${i}` } } }
      : { uri: { regex: `/v${i}/items/[a-z]+` }, headers: { "x-bench": { regex: "o[n]+x" } } };
    list.push({ name: `r${i}`, match: [match], route: [to("v1")] });
  }
  list.push({
    name: "hit",
    match: [{ uri: { regex: "/api/v1/products/[0-9]+" }, headers: { "x-bench": { exact: HIT.headers["x-bench"] } } }],
    route: Object.entries(SPLIT).map(([subset, weight]) => ({ ...to(subset), weight })),
  });
  list.push({ name: "default", route: [to("v1")] });
  return list.slice(-count);
}

export function virtualService(namespace, host, routeCount = 50, name = "echo") {
  return {
    apiVersion: "networking.istio.io/v1",
    kind: "VirtualService",
    metadata: meta(name, namespace),
    spec: { hosts: [host], gateways: [BENCH_GATEWAY], http: routes(routeCount, `echo.${namespace}.svc.cluster.local`) },
  };
}

/** ALLOW GET on /api/* — from the gateway's identity when identities are checked. */
export function allowPolicy(namespace, { principals = true, name = "echo-allow", paths = ["/api/*"] } = {}) {
  return {
    apiVersion: "security.istio.io/v1",
    kind: "AuthorizationPolicy",
    metadata: meta(name, namespace),
    spec: {
      selector: { matchLabels: { app: "echo" } },
      action: "ALLOW",
      rules: [{ ...(principals ? { from: [{ source: { principals: [GATEWAY_PRINCIPAL] } }] } : {}), to: [{ operation: { methods: ["GET"], paths } }] }],
    },
  };
}

/** `mode` STRICT / PERMISSIVE / DISABLE for the namespace; `pop` adds proof-of-possession. */
export function peerAuthentication(namespace, mode, pop = false) {
  return {
    apiVersion: "security.istio.io/v1",
    kind: "PeerAuthentication",
    metadata: meta("default", namespace, pop ? { annotations: { "isthmus.io/proof-of-possession": "true" } } : {}),
    spec: { mtls: { mode } },
  };
}

/** The bench's Gateway, and a DENY policy at the edge every request passes. */
export function edgeResources() {
  return [
    {
      apiVersion: "networking.istio.io/v1",
      kind: "Gateway",
      metadata: meta("bench-gateway", "istio-system"),
      spec: { selector: { istio: "ingressgateway" }, servers: [{ port: { number: 8080, name: "http", protocol: "HTTP" }, hosts: ["*"] }] },
    },
    {
      apiVersion: "security.istio.io/v1",
      kind: "AuthorizationPolicy",
      metadata: meta("edge-deny-admin", "istio-system"),
      spec: { selector: { matchLabels: { istio: "ingressgateway" } }, action: "DENY", rules: [{ to: [{ operation: { paths: ["/admin/*"] } }] }] },
    },
  ];
}

/** `count` filler ServiceEntries (unbound endpoints) to grow the snapshot. */
export function fillerServices(namespace, from, to) {
  const list = [];
  for (let i = from; i < to; i++) list.push(serviceEntry(namespace, [{ worker: `filler-${i}`, version: "v1" }], `filler-${i}`));
  return list;
}

/**
 * DENY policies that select the echo workload and never match the request: every one is
 * evaluated on every request (a DENY anywhere wins), the worst case for policy count.
 */
export function fillerPolicies(namespace, from, to) {
  const list = [];
  for (let i = from; i < to; i++) {
    list.push({
      apiVersion: "security.istio.io/v1",
      kind: "AuthorizationPolicy",
      metadata: meta(`filler-${i}`, namespace),
      spec: { selector: { matchLabels: { app: "echo" } }, action: "DENY", rules: [{ to: [{ operation: { paths: [`/other-${i}/*`] } }], from: [{ source: { notPrincipals: [GATEWAY_PRINCIPAL] } }] }] },
    });
  }
  return list;
}
