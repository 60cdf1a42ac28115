import { redirectResponse } from "../traffic/rewrite.ts";
import type { OutboundLayer } from "./call.ts";
import { matchedBlock } from "./matched-block.ts";

/** Answers a route's `redirect` itself (Istio's HTTPRedirect); other routes pass on. */
export const answerRedirect: OutboundLayer = (request, call, next) => {
  const redirect = call.route?.route.redirect;
  if (!redirect) return next(request, call);
  const url = new URL(request.url);
  return Promise.resolve(redirectResponse(url, redirect, matchedBlock(call.route!, url.pathname)));
};
