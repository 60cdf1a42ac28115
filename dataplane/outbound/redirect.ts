import { redirectResponse } from "../traffic/rewrite.ts";
import { requestUrl } from "../request-url.ts";
import type { OutboundLayer } from "./call.ts";

/** Answers a route's `redirect` itself (Istio's HTTPRedirect); other routes pass on. */
export const answerRedirect: OutboundLayer = (request, call, next) => {
  const redirect = call.route?.route.redirect;
  if (!redirect) return next(request, call);
  return Promise.resolve(redirectResponse(requestUrl(request), redirect, call.route!.block));
};
