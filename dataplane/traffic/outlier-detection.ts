import { parseDuration } from "../../resources/duration.ts";
import type { TrafficPolicy } from "../../resources/destination-rule.ts";

/** DestinationRule `trafficPolicy.outlierDetection`. */
export type OutlierDetectionSettings = NonNullable<TrafficPolicy["outlierDetection"]>;

/** How one upstream attempt ended, as outlier detection sees it. */
export type UpstreamOutcome =
  | { status: number }
  /** No response at all: connect failure, reset, or timeout (counted as a gateway error). */
  | { failure: "connect-failure" | "reset" | "timeout" };

/** Reported when an endpoint is ejected. */
export interface Ejection {
  address: string;
  /** When it returns (clock milliseconds). */
  until: number;
  /** How many times it has been ejected (the multiplier of baseEjectionTime). */
  count: number;
  reason: "consecutive_5xx" | "consecutive_gateway_errors" | "consecutive_local_origin_failures";
}

interface EndpointState {
  consecutive5xx: number;
  consecutiveGateway: number;
  consecutiveLocalOrigin: number;
  ejectedUntil: number;
  ejections: number;
  /** When the endpoint last came back; decays the multiplier by one per clean interval. */
  returnedAt: number;
}

const DEFAULTS = {
  consecutive5xxErrors: 5,
  consecutiveGatewayErrors: 0,
  consecutiveLocalOriginFailures: 5,
  interval: 10_000,
  baseEjectionTime: 30_000,
  maxEjectionTime: 300_000,
  maxEjectionPercent: 10,
};

/**
 * Per-destination outlier detection with Istio's settings and defaults: `consecutive5xxErrors`
 * (default 5; 0 disables) counts 5xx answers and failures without an answer;
 * `consecutiveGatewayErrors` (default off) counts 502, 503, 504 and failures without an
 * answer. Reaching either ejects the endpoint for `baseEjectionTime` (30 s) × its number
 * of ejections (capped at 300 s, as Envoy does); the multiplier drops by one for each
 * `interval` (10 s) the endpoint stays in. An ejection happens only while fewer than
 * `maxEjectionPercent` (10 %) of the endpoints are out, so one endpoint can always be
 * ejected (Envoy's rule). With `splitExternalLocalOriginErrors`, failures without an answer
 * count apart, against `consecutiveLocalOriginFailures` (default 5), and not as 5xx or
 * gateway errors. The clock is injected.
 */
export class OutlierDetector {
  private readonly consecutive5xxErrors: number;
  private readonly consecutiveGatewayErrors: number;
  /** Undefined unless local-origin failures are split from upstream answers. */
  private readonly consecutiveLocalOriginFailures: number | undefined;
  private readonly interval: number;
  private readonly baseEjectionTime: number;
  private readonly maxEjectionPercent: number;
  private readonly endpoints = new Map<string, EndpointState>();

  constructor(
    settings: OutlierDetectionSettings = {},
    private readonly clock: () => number = Date.now,
  ) {
    this.consecutive5xxErrors = settings.consecutive5xxErrors ?? settings.consecutiveErrors ?? DEFAULTS.consecutive5xxErrors;
    this.consecutiveGatewayErrors = settings.consecutiveGatewayErrors ?? DEFAULTS.consecutiveGatewayErrors;
    this.consecutiveLocalOriginFailures = settings.splitExternalLocalOriginErrors
      ? (settings.consecutiveLocalOriginFailures ?? DEFAULTS.consecutiveLocalOriginFailures)
      : undefined;
    this.interval = settings.interval ? parseDuration(settings.interval) : DEFAULTS.interval;
    this.baseEjectionTime = settings.baseEjectionTime ? parseDuration(settings.baseEjectionTime) : DEFAULTS.baseEjectionTime;
    this.maxEjectionPercent = settings.maxEjectionPercent ?? DEFAULTS.maxEjectionPercent;
  }

  /**
   * Records the outcome of one attempt to `address` among `endpointCount` endpoints of the
   * destination; returns the ejection it caused, if any.
   */
  record(address: string, outcome: UpstreamOutcome, endpointCount: number): Ejection | undefined {
    const now = this.clock();
    const state = this.state(address);
    const noAnswer = "failure" in outcome;
    const split = this.consecutiveLocalOriginFailures !== undefined;
    if (split) state.consecutiveLocalOrigin = noAnswer ? state.consecutiveLocalOrigin + 1 : 0;
    if (!(split && noAnswer)) {
      const status = noAnswer ? 0 : outcome.status;
      const is5xx = noAnswer || status >= 500;
      const isGateway = noAnswer || status === 502 || status === 503 || status === 504;
      state.consecutive5xx = is5xx ? state.consecutive5xx + 1 : 0;
      state.consecutiveGateway = isGateway ? state.consecutiveGateway + 1 : 0;
    }
    if (this.isEjectedAt(state, now)) return undefined;
    let reason: Ejection["reason"] | undefined;
    if (split && this.consecutiveLocalOriginFailures! > 0 && state.consecutiveLocalOrigin >= this.consecutiveLocalOriginFailures!) {
      reason = "consecutive_local_origin_failures";
    } else if (this.consecutiveGatewayErrors > 0 && state.consecutiveGateway >= this.consecutiveGatewayErrors) reason = "consecutive_gateway_errors";
    else if (this.consecutive5xxErrors > 0 && state.consecutive5xx >= this.consecutive5xxErrors) reason = "consecutive_5xx";
    if (!reason) return undefined;
    if ((100 * this.ejectedCount(now)) / Math.max(endpointCount, 1) >= this.maxEjectionPercent) return undefined;
    const decayed = Math.max(0, state.ejections - Math.floor((now - state.returnedAt) / this.interval));
    state.ejections = decayed + 1;
    state.ejectedUntil = now + Math.min(this.baseEjectionTime * state.ejections, Math.max(DEFAULTS.maxEjectionTime, this.baseEjectionTime));
    state.returnedAt = state.ejectedUntil;
    state.consecutive5xx = 0;
    state.consecutiveGateway = 0;
    state.consecutiveLocalOrigin = 0;
    return { address, until: state.ejectedUntil, count: state.ejections, reason };
  }

  /** Whether `address` is ejected now. */
  isEjected(address: string): boolean {
    const state = this.endpoints.get(address);
    return state !== undefined && this.isEjectedAt(state, this.clock());
  }

  /** The addresses ejected now. */
  ejected(): string[] {
    const now = this.clock();
    return [...this.endpoints].filter(([, state]) => this.isEjectedAt(state, now)).map(([address]) => address);
  }

  private ejectedCount(now: number): number {
    let count = 0;
    for (const state of this.endpoints.values()) if (this.isEjectedAt(state, now)) count++;
    return count;
  }

  private isEjectedAt(state: EndpointState, now: number): boolean {
    return now < state.ejectedUntil;
  }

  private state(address: string): EndpointState {
    let state = this.endpoints.get(address);
    if (!state) {
      state = { consecutive5xx: 0, consecutiveGateway: 0, consecutiveLocalOrigin: 0, ejectedUntil: 0, ejections: 0, returnedAt: 0 };
      this.endpoints.set(address, state);
    }
    return state;
  }
}
