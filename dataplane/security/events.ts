import type { SecurityState } from "./security-state.ts";

/** What the security layers record besides the request's own telemetry. */
export type SecurityEvent =
  | { event: "authn_failure"; workload: string; reason: string; detail: string }
  | { event: "authz_denied"; workload: string; policy: string; reason: string }
  | { event: "authz_audit"; workload: string; policy: string }
  | { event: "authz_dry_run"; workload: string; policy: string; decision: "allow" | "deny"; wouldDeny: boolean }
  | { event: "answer_refused"; destination: string; reason: string; detail: string };

/** Counters the telemetry recorder offers (dataplane/telemetry/metrics.ts). */
export interface SecurityCounters {
  recordAuthnFailure(reason: string): void;
  recordAuthzDenial(policy: string): void;
}

/**
 * Writes the event as one JSON log line; authentication failures and enforced denials are
 * also counted when the isolate's recorder is attached (`security.counters`; dry-run
 * verdicts are only logged).
 */
export function recordSecurityEvent(security: SecurityState, event: SecurityEvent): void {
  const counters = security.counters;
  console.log(JSON.stringify({ type: "isthmus.security", ...event }));
  if (event.event === "authn_failure") counters?.recordAuthnFailure(event.reason);
  else if (event.event === "authz_denied") counters?.recordAuthzDenial(event.policy);
}
