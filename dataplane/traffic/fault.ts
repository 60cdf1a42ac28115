import { parseDuration } from "../../resources/duration.ts";
import type { HTTPRoute } from "../../resources/virtual-service.ts";
import { defaultRandom, type RandomSource } from "./random.ts";

type HTTPFaultInjection = NonNullable<HTTPRoute["fault"]>;

/** What fault injection does to one request: delay it, abort it, both, or neither. */
export interface FaultDecision {
  /** Wait this long before going upstream (flag DI). */
  delayMs?: number;
  /** Answer with this status instead of going upstream (flag FI). */
  abortStatus?: number;
}

/**
 * Decides a route's fault injection for one request. Delay and abort are drawn
 * independently, each with its `percentage.value` (fractional), or the legacy integer
 * `percent` for delays. As in Istio, a fault without a percentage applies to no request.
 * Envoy applies the delay first, then the abort.
 */
export function decideFault(fault: HTTPFaultInjection | undefined, random: RandomSource = defaultRandom): FaultDecision {
  if (!fault) return {};
  const decision: FaultDecision = {};
  if (fault.delay) {
    const percent = fault.delay.percentage?.value ?? fault.delay.percent ?? 0;
    if (hit(percent, random)) decision.delayMs = parseDuration(fault.delay.fixedDelay);
  }
  if (fault.abort) {
    if (hit(fault.abort.percentage?.value ?? 0, random)) decision.abortStatus = fault.abort.httpStatus;
  }
  return decision;
}

function hit(percent: number, random: RandomSource): boolean {
  if (percent >= 100) return true;
  if (percent <= 0) return false;
  return random() * 100 < percent;
}
