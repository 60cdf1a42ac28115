import type { OutboundLayer } from "../outbound/call.ts";
import { copyRequest } from "../request-url.ts";
import { HostInvalidError } from "../traffic/host.ts";
import { edgeAuthority } from "./host.ts";
import { strippedAtEdge } from "./strip-mesh-headers.ts";

/**
 * The edge's first layer: the request in normal form before anything reads it. The host in
 * its one spelling in both the URL and the `Host` header (see {@link edgeAuthority}), so
 * Gateway server selection, routing, edge policy and the upstream all see the same host, and
 * none of the headers a client outside the mesh must not bring ({@link strippedAtEdge}).
 * One pass over the headers; a request already in normal form passes as it is, any other in
 * one copy. A malformed host is answered 400 `bad_host` with its reason.
 */
export const edgeRequestForm: OutboundLayer = (request, call, next) => {
  let host: string | null = null;
  let stripped: string[] | undefined;
  for (const [name, value] of request.headers) {
    if (name === "host") host = value;
    else if (strippedAtEdge(name)) (stripped ??= []).push(name);
  }
  let form;
  try {
    form = edgeAuthority(request.url, host);
  } catch (error) {
    if (!(error instanceof HostInvalidError)) throw error;
    call.flags.push(...error.flags);
    return Promise.resolve(error.toResponse());
  }
  if (!stripped && form.authority === form.written && host === form.authority) return next(request, call);
  const headers = new Headers(request.headers);
  for (const name of stripped ?? []) headers.delete(name);
  headers.set("host", form.authority);
  return next(copyRequest(request, headers, form.url === request.url ? undefined : new URL(form.url)), call);
};
