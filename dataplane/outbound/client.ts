import type { CompiledMesh } from "../config/compiled.ts";
import type { IsolateState } from "../isolate.ts";
import type { Workload } from "../workload.ts";
import type { OutboundCall, OutboundHandler } from "./call.ts";

/** What service code calls instead of `fetch` to reach another mesh service. */
export interface MeshClient {
  /** `fetch` by mesh host name: `http://reviews/...`, `http://reviews.default/...`, `http://reviews:9080/...`. */
  fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response>;
  /** Whether a URL names something the mesh routes (a registry host or a VirtualService host). */
  handles(url: URL): boolean;
}

/** A mesh client for one request of `source`, sending through the outbound stack. */
export function meshClient(
  stack: OutboundHandler,
  facts: { mesh: CompiledMesh; isolate: IsolateState; env: Record<string, unknown>; waitUntil(promise: Promise<unknown>): void; source: Workload },
): MeshClient {
  return {
    fetch(input, init) {
      const request = new Request(input, init);
      const call: OutboundCall = {
        mesh: facts.mesh,
        isolate: facts.isolate,
        env: facts.env,
        waitUntil: facts.waitUntil,
        source: facts.source,
        scopes: ["mesh"],
        flags: [],
        attempts: 0,
      };
      return stack(request, call);
    },
    handles(url) {
      const host = url.hostname.toLowerCase();
      return facts.mesh.service(host, facts.source.namespace) !== undefined || facts.mesh.routeTable(["mesh"]).lookup(host, facts.source.namespace) !== undefined;
    },
  };
}
