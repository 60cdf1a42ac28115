// The headers every Bookinfo service copies from its inbound request to the requests it
// makes, as Istio's Bookinfo does: trace context so the mesh can join spans, and the
// session headers (`end-user`, cookie, authorization) that route rules match on.
export const PROPAGATED_HEADERS = [
  "x-request-id",
  "traceparent",
  "tracestate",
  "x-b3-traceid",
  "x-b3-spanid",
  "x-b3-parentspanid",
  "x-b3-sampled",
  "x-b3-flags",
  "b3",
  "x-ot-span-context",
  "x-cloud-trace-context",
  "sw8",
  "end-user",
  "user-agent",
  "cookie",
  "authorization",
  "jwt",
] as const;

/** The headers of `request` that a Bookinfo service passes on to the services it calls. */
export function forwardHeaders(request: Request): Headers {
  const out = new Headers();
  for (const name of PROPAGATED_HEADERS) {
    const value = request.headers.get(name);
    if (value !== null) out.set(name, value);
  }
  return out;
}
