import type { OutboundHandler } from "./call.ts";
import { dispatchToEndpoint } from "./dispatch.ts";

/** The end of the outbound stack: sends the request to the endpoint chosen for this attempt. */
export const dispatch: OutboundHandler = (request, call) => {
  if (!call.endpoint) throw new Error("dispatch reached without an endpoint");
  return dispatchToEndpoint(request, call.endpoint.address, call.env);
};
