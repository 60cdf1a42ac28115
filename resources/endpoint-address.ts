/** Where a ServiceEntry endpoint is reached: the Isthmus reading of Istio's endpoint `address`. */
export type EndpointTarget =
  | { kind: "worker"; name: string; binding: string }
  | { kind: "origin"; url: string }
  | { kind: "dispatch"; namespaceBinding: string; script: string };

const WORKER = /^worker:\/\/([A-Za-z0-9][A-Za-z0-9_-]*)$/;
const DISPATCH = /^dispatch:\/\/([A-Za-z_][A-Za-z0-9_]*)\/([A-Za-z0-9][A-Za-z0-9_-]*)$/;

/** The env binding a Worker name is bound under: upper case, non-alphanumerics as `_` (`reviews-v2` -> `REVIEWS_V2`). */
export function bindingName(worker: string): string {
  return worker.toUpperCase().replace(/[^A-Z0-9]/g, "_");
}

/**
 * Reads an endpoint address: `worker://NAME` (a service binding), an `http://`/`https://`
 * origin URL, or `dispatch://NAMESPACE_BINDING/SCRIPT` (Workers for Platforms).
 * Returns a reason string for anything else.
 */
export function parseEndpointAddress(address: string): EndpointTarget | string {
  const worker = WORKER.exec(address);
  if (worker) return { kind: "worker", name: worker[1], binding: bindingName(worker[1]) };
  const dispatch = DISPATCH.exec(address);
  if (dispatch) return { kind: "dispatch", namespaceBinding: dispatch[1], script: dispatch[2] };
  if (/^https?:\/\//i.test(address)) {
    let url: URL;
    try {
      url = new URL(address);
    } catch {
      return "is not a valid URL";
    }
    if (url.username || url.password) return "must not carry credentials";
    if (url.search || url.hash) return "must not have a query or fragment";
    return { kind: "origin", url: url.href.replace(/\/$/, "") };
  }
  return "must be worker://NAME, dispatch://NAMESPACE_BINDING/SCRIPT or an http(s):// origin URL";
}
