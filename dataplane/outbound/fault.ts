import { parseDuration } from "../../resources/duration.ts";
import { FaultAbortError } from "../traffic/mesh-error.ts";
import { defaultRandom } from "../traffic/random.ts";
import type { OutboundLayer } from "./call.ts";

/** Whether this request falls in `percent` % (Istio's Percent, or the deprecated integer `percent`). */
function selected(percentage: { value: number } | undefined, percent: number | undefined): boolean {
  const share = percentage?.value ?? percent ?? 100;
  return share >= 100 || defaultRandom() * 100 < share;
}

/**
 * Fault injection (Istio's `fault`): a fixed delay (flagged DI) and/or an abort with an HTTP
 * status (FI), each for its percentage of requests; the abort is answered by the mesh and
 * never reaches the destination.
 */
export const injectFault: OutboundLayer = async (request, call, next) => {
  const fault = call.route?.route.fault;
  if (!fault) return next(request, call);
  if (fault.delay && selected(fault.delay.percentage, fault.delay.percent)) {
    call.flags.push("DI");
    await new Promise((resolve) => setTimeout(resolve, parseDuration(fault.delay!.fixedDelay)));
  }
  if (fault.abort && selected(fault.abort.percentage, undefined)) throw new FaultAbortError(fault.abort.httpStatus);
  return next(request, call);
};
