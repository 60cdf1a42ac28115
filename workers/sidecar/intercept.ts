import type { MeshClient } from "../../dataplane/outbound/client.ts";

/**
 * Global-fetch interception for wrapped service code that calls `fetch("http://reviews:9080/...")`
 * unchanged, as Istio users expect of a sidecar. Installed once per isolate; a fetch to a
 * host the mesh routes goes through the mesh client of the latest request, anything else to
 * the original fetch. The caller identity is the isolate's own workload either way; the
 * latest request's `waitUntil` carries mirrors (requests of one isolate share config and
 * identity, so using the latest one is safe; only mirror lifetime is tied to it).
 */
export function interceptGlobalFetch(current: () => MeshClient | undefined): void {
  if (installed) return;
  installed = true;
  const original = globalThis.fetch;
  globalThis.fetch = function meshAwareFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    const client = current();
    if (client) {
      const url = new URL(input instanceof Request ? input.url : String(input));
      if (client.handles(url)) return client.fetch(input, init);
    }
    return original(input, init);
  } as typeof fetch;
}

let installed = false;
