// The regex dimension of the scaling curves: a VirtualService whose every route is a
// `uri.regex` with no literal prefix or suffix, so neither the route index nor the suffix
// check can skip any and every request runs `count - 1` RE2 full matches over its path
// (the HIT route is second to last; the others differ only at the end, so each regex
// reads the whole path before failing).
// Shared by the gateway section and the Node micro bench; valid in RE2 and in JavaScript,
// so the micro bench can time the same patterns on both engines.
import { BENCH_GATEWAY, HIT } from "../configs/resources.mjs";

/** The regex of route `i`; `hit` for the route HIT.path matches. */
export function routeRegex(i, hit = false) {
  return hit ? "(?:/api|/svc)/v[0-9]+/products/[0-9]+" : `(?:/api|/svc)/v[0-9]+/products/[0-9]+/r${i}/?`;
}

/** The `count` regex routes, HIT second to last, a catch-all last. */
export function regexRoutes(count, destinationHost) {
  const to = [{ destination: { host: destinationHost, subset: "v1" } }];
  const list = [];
  for (let i = 0; i < count - 2; i++) list.push({ name: `r${i}`, match: [{ uri: { regex: routeRegex(i) } }], route: to });
  list.push({ name: "hit", match: [{ uri: { regex: routeRegex(0, true) } }], route: to });
  list.push({ name: "default", route: to });
  return list.slice(-count);
}

export function regexVirtualService(namespace, host, count, name = "echo") {
  return {
    apiVersion: "networking.istio.io/v1",
    kind: "VirtualService",
    metadata: { name, namespace },
    spec: { hosts: [host], gateways: [BENCH_GATEWAY], http: regexRoutes(count, `echo.${namespace}.svc.cluster.local`) },
  };
}
