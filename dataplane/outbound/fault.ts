import { FaultAbortError } from "../traffic/mesh-error.ts";
import { decideFault } from "../traffic/fault.ts";
import type { OutboundLayer } from "./call.ts";

/**
 * Fault injection (Istio's `fault`): a fixed delay (flagged DI) and/or an abort with an HTTP
 * status (FI), each for its percentage of requests; an abort is answered by the mesh and
 * never reaches the destination.
 */
export const injectFault: OutboundLayer = async (request, call, next) => {
  const decision = decideFault(call.route?.route.fault);
  if (decision.delayMs !== undefined) {
    call.flags.push("DI");
    await new Promise((resolve) => setTimeout(resolve, decision.delayMs));
  }
  if (decision.abortStatus !== undefined) throw new FaultAbortError(decision.abortStatus);
  return next(request, call);
};
