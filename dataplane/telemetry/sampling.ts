// Sampling rates: mesh-wide from env, per route from an annotation on the VirtualService
// that owns the route (Istio has no per-route field for it; annotations are Istio's way).

/** Percent (0..100) of new traces sampled for this VirtualService's routes. */
export const TRACE_SAMPLING_ANNOTATION = "isthmus.io/trace-sampling";
/** Percent (0..100) of requests access-logged for this VirtualService's routes. */
export const ACCESS_LOG_SAMPLING_ANNOTATION = "isthmus.io/access-log-sampling";

/** Istio's default trace sampling (meshConfig.defaultConfig.tracing.sampling) is 1 %. */
export const DEFAULT_TRACE_SAMPLING = 1;
export const DEFAULT_ACCESS_LOG_SAMPLING = 100;

/** A percent 0..100 from text; undefined when absent or not a number in range. */
export function parsePercent(text: string | undefined | null): number | undefined {
  if (text === undefined || text === null || text.trim() === "") return undefined;
  const value = Number(text);
  return Number.isFinite(value) && value >= 0 && value <= 100 ? value : undefined;
}

/** The percent a resource's annotation sets, if any. */
export function annotationPercent(
  resource: { metadata?: { annotations?: Record<string, string> } } | undefined,
  annotation: string,
): number | undefined {
  return parsePercent(resource?.metadata?.annotations?.[annotation]);
}

/** True with probability percent/100. */
export function shouldSample(percent: number, random: () => number = Math.random): boolean {
  if (!(percent > 0)) return false;
  if (percent >= 100) return true;
  return random() * 100 < percent;
}
