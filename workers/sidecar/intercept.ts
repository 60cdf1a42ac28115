import { AsyncLocalStorage } from "node:async_hooks";
import type { MeshClient } from "../../dataplane/outbound/client.ts";

// The mesh client of the request whose code is running. One isolate serves many requests at
// once, so the client (trace context, end user, waitUntil) is bound per request: a global
// "latest request" would hand one request's context to another's calls.
const requestClient = new AsyncLocalStorage<MeshClient>();

/**
 * Runs `serve` (one request's handling, including work it starts and leaves running) with
 * `client` as the mesh client that its plain `fetch` calls to mesh hosts go through.
 */
export function withRequestClient<T>(client: MeshClient, serve: () => T): T {
  return requestClient.run(client, serve);
}

/**
 * Global-fetch interception for wrapped service code that calls `fetch("http://reviews:9080/...")`
 * unchanged, as Istio users expect of a sidecar. Installed once per isolate; a fetch to a
 * host the mesh routes goes through the mesh client of the request it was made for
 * (`withRequestClient`), anything else — and any fetch made outside a request, e.g. by a
 * Durable Object of the same Worker — to the original fetch.
 */
export function interceptGlobalFetch(): void {
  if (installed) return;
  installed = true;
  const original = globalThis.fetch;
  globalThis.fetch = function meshAwareFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    const client = requestClient.getStore();
    if (client) {
      const url = new URL(input instanceof Request ? input.url : String(input));
      if (client.handles(url)) return client.fetch(input, init);
    }
    return original(input, init);
  } as typeof fetch;
}

let installed = false;
