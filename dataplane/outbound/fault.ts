import { FaultAbortError } from "../traffic/mesh-error.ts";
import { decideFault, type FaultDecision } from "../traffic/fault.ts";
import type { OutboundCall, OutboundHandler, OutboundLayer } from "./call.ts";

/**
 * Fault injection (Istio's `fault`): a fixed delay (flagged DI) and/or an abort with an HTTP
 * status (FI), each for its percentage of requests; an abort is answered by the mesh and
 * never reaches the destination. A route without `fault` passes straight on.
 */
export const injectFault: OutboundLayer = (request, call, next) => {
  const fault = call.route?.route.fault;
  return fault ? injected(decideFault(fault), request, call, next) : next(request, call);
};

async function injected(decision: FaultDecision, request: Request, call: OutboundCall, next: OutboundHandler): Promise<Response> {
  if (decision.delayMs !== undefined) {
    call.flags.push("DI");
    await new Promise((resolve) => setTimeout(resolve, decision.delayMs));
  }
  if (decision.abortStatus !== undefined) throw new FaultAbortError(decision.abortStatus);
  return next(request, call);
}
