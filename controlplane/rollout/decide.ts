// The rollout state machine: what a verdict or a user's action does to a rollout. Pure,
// with the clock passed in, so the controller, its tests and the benchmark share it.
import type { StepGate } from "./steps.ts";
import type { Verdict } from "./judge.ts";

export type Phase = "Pending" | "PreStage" | "Mirroring" | "Progressing" | "WaitingApproval" | "Paused" | "Promoted" | "RolledBack" | "Aborted" | "Failed";
export type RolloutEvent = "advance" | "hold" | "rollback" | "approve" | "pause" | "resume" | "abort" | "promote" | "retry" | "start";
export type RolloutAction = "promote" | "pause" | "resume" | "abort" | "retry" | "approve";

/** Where a rollout stands; everything `decide` needs besides the verdict and the clock. */
export interface RolloutState {
  phase: Phase;
  /** The weighted step the canary is at; -1 before the first (pending, pre-stage, mirroring). */
  stepIndex: number;
  /** The canary's weight in percent. */
  weight: number;
  steps: StepGate[];
  failures: number;
  /** Failed analyses tolerated; the next one rolls back. */
  failureLimit: number;
  /** Canary requests the tester-only stage needs; null without a pre-stage. */
  preStage: { minRequests: number } | null;
  mirror: { minRequests: number } | null;
  /** The stage the rollout is in, also while paused or waiting for approval. */
  stage: "pending" | "preStage" | "mirror" | "steps" | "done";
  stepStartedAt: number;
  /** Canary requests seen since the current stage began. */
  stepRequests: number;
  /**
   * Canary requests of the analysis window already counted in `stepRequests`: a window stays
   * open (and grows) while its verdict is insufficient_data, so only its new requests count.
   */
  windowCounted: number;
  /** The step an approval would enter, while WaitingApproval. */
  gate: number | null;
  /** The phase to go back to on resume, while Paused. */
  pausedFrom: Phase | null;
  message: string;
}

export interface Decision {
  event: RolloutEvent;
  nextState: RolloutState;
}

const ACTIVE: readonly Phase[] = ["PreStage", "Mirroring", "Progressing"];
/** Phases where the canary still takes traffic and is judged, but never advances by a verdict. */
const WATCHED: readonly Phase[] = ["WaitingApproval", "Paused"];

/** A rollout that has not started: its plan and limits, no traffic moved. */
export function pendingState(plan: { steps: StepGate[]; failureLimit: number; preStage: { minRequests: number } | null; mirror: { minRequests: number } | null }, now: number): RolloutState {
  return { phase: "Pending", stepIndex: -1, weight: 0, failures: 0, stage: "pending", stepStartedAt: now, stepRequests: 0, windowCounted: 0, gate: null, pausedFrom: null, message: "waiting to start", ...plan };
}

/** Starts a pending rollout: its pre-stage, mirroring stage or first step (or that step's approval gate). */
export function start(state: RolloutState, now: number, event: RolloutEvent = "start"): Decision {
  const fresh: RolloutState = { ...state, failures: 0, stepIndex: -1, weight: 0, gate: null, pausedFrom: null, windowCounted: 0 };
  if (state.preStage) return { event, nextState: { ...fresh, phase: "PreStage", stage: "preStage", stepStartedAt: now, stepRequests: 0, message: "pre-stage: testers only" } };
  if (state.mirror) return { event, nextState: { ...fresh, phase: "Mirroring", stage: "mirror", stepStartedAt: now, stepRequests: 0, message: "mirroring stable traffic to the canary" } };
  return { ...enterStep(fresh, 0, now, false), event };
}

/**
 * What one verdict does: roll back at once on `verdict.rollback`; count a failure and roll
 * back past `failureLimit` (failures add up over the whole rollout); hold on insufficient
 * data or unmet step gates (requests seen, minimum duration); else advance to the next
 * stage, stop at an approval gate, or promote when the next weight is 100. While
 * WaitingApproval or Paused the canary is judged the same, but a pass only holds. Other
 * phases (Pending and the ended ones) hold.
 */
export function decide(state: RolloutState, verdict: Verdict, now: number): Decision {
  const watched = WATCHED.includes(state.phase);
  if (!ACTIVE.includes(state.phase) && !watched) return { event: "hold", nextState: state };
  const added = Math.max(0, verdict.canary.requests - state.windowCounted);
  const seen: RolloutState = { ...state, stepRequests: state.stepRequests + added, windowCounted: 0 };
  if (verdict.rollback) return rollback(seen, verdict.reason);
  if (verdict.result === "fail") {
    const failures = seen.failures + 1;
    const during = watched ? ` while ${state.phase === "Paused" ? "paused" : "waiting for approval"}` : "";
    if (failures > seen.failureLimit) return rollback({ ...seen, failures }, `analysis failed ${failures} time(s)${during}, limit ${seen.failureLimit}: ${verdict.reason}`);
    return { event: "hold", nextState: { ...seen, failures, message: `analysis failed${during} (${failures} of ${seen.failureLimit} tolerated): ${verdict.reason}` } };
  }
  if (watched) return { event: "hold", nextState: verdict.result === "insufficient_data" ? { ...seen, windowCounted: verdict.canary.requests } : seen };
  if (verdict.result === "insufficient_data") return { event: "hold", nextState: { ...seen, windowCounted: verdict.canary.requests, message: verdict.reason } };
  const unmet = unmetGate(seen, now);
  if (unmet) return { event: "hold", nextState: { ...seen, message: unmet } };
  if (seen.stage === "preStage" && seen.mirror) {
    return { event: "advance", nextState: { ...seen, phase: "Mirroring", stage: "mirror", stepStartedAt: now, stepRequests: 0, windowCounted: 0, message: "mirroring stable traffic to the canary" } };
  }
  return enterStep(seen, seen.stage === "steps" ? seen.stepIndex + 1 : 0, now, false);
}

/** A user's action, or why it is not allowed in the current phase. */
export function act(state: RolloutState, action: RolloutAction, now: number): { ok: true; decision: Decision } | { ok: false; message: string } {
  const refuse = (allowed: readonly Phase[]) => ({ ok: false as const, message: `cannot ${action} a rollout in phase ${state.phase} (allowed in ${allowed.join(", ")})` });
  const allowedIn: Record<RolloutAction, readonly Phase[]> = {
    promote: [...ACTIVE, "WaitingApproval", "Paused"],
    pause: [...ACTIVE, "WaitingApproval"],
    resume: ["Paused"],
    abort: ["Pending", ...ACTIVE, "WaitingApproval", "Paused"],
    retry: ["RolledBack", "Aborted", "Failed"],
    approve: ["WaitingApproval"],
  };
  if (!allowedIn[action].includes(state.phase)) return refuse(allowedIn[action]);
  switch (action) {
    case "promote":
      return { ok: true, decision: promote(state, "promoted by hand") };
    case "pause":
      return { ok: true, decision: { event: "pause", nextState: { ...state, phase: "Paused", pausedFrom: state.phase, message: "paused by hand" } } };
    case "resume":
      return { ok: true, decision: { event: "resume", nextState: { ...state, phase: state.pausedFrom ?? "Progressing", pausedFrom: null, windowCounted: 0, message: "resumed" } } };
    case "abort":
      return { ok: true, decision: { event: "abort", nextState: { ...state, phase: "Aborted", stage: "done", weight: 0, gate: null, pausedFrom: null, message: "aborted by hand: all traffic back on stable" } } };
    case "retry":
      return { ok: true, decision: start(state, now, "retry") };
    case "approve": {
      const entered = enterStep(state, state.gate ?? state.stepIndex + 1, now, true);
      return { ok: true, decision: { ...entered, event: "approve" } };
    }
  }
}

/**
 * The analysis window dropped its oldest interval (it slides once it spans its most
 * intervals): that interval's canary requests, counted in the step already, leave it.
 */
export function windowSlid(state: RolloutState, droppedCanaryRequests: number): RolloutState {
  return { ...state, windowCounted: Math.max(0, state.windowCounted - droppedCanaryRequests) };
}

/** Rolls back: canary weight 0, pre-stage and mirror removed. */
export function rollback(state: RolloutState, reason: string): Decision {
  return { event: "rollback", nextState: { ...state, phase: "RolledBack", stage: "done", weight: 0, gate: null, pausedFrom: null, message: `rolled back: ${reason}` } };
}

function promote(state: RolloutState, message: string): Decision {
  return { event: "promote", nextState: { ...state, phase: "Promoted", stage: "done", stepIndex: state.steps.length - 1, weight: 100, gate: null, pausedFrom: null, message } };
}

function enterStep(state: RolloutState, index: number, now: number, approved: boolean): Decision {
  const step = state.steps[index];
  if (!step) return promote(state, "promoted: every step passed");
  if (step.approval && !approved) {
    return { event: "hold", nextState: { ...state, phase: "WaitingApproval", gate: index, message: `waiting for approval before step ${index + 1} (${step.weight}%)` } };
  }
  if (step.weight >= 100) return promote({ ...state, gate: null }, "promoted: every step passed");
  return {
    event: "advance",
    nextState: { ...state, phase: "Progressing", stage: "steps", stepIndex: index, weight: step.weight, gate: null, stepStartedAt: now, stepRequests: 0, windowCounted: 0, message: `step ${index + 1}: ${step.weight}%` },
  };
}

function unmetGate(state: RolloutState, now: number): string | null {
  const need =
    state.stage === "preStage" ? { requests: state.preStage?.minRequests ?? 0, durationMs: 0 }
    : state.stage === "mirror" ? { requests: state.mirror?.minRequests ?? 0, durationMs: 0 }
    : { requests: state.steps[state.stepIndex]?.minRequests ?? 0, durationMs: state.steps[state.stepIndex]?.minDurationMs ?? 0 };
  // Messages count steps from 1, as the CLI and dashboard show them; stepIndex stays 0-based.
  if (state.stepRequests < need.requests) return `${state.stage === "steps" ? `step ${state.stepIndex + 1}` : state.stage}: ${state.stepRequests} of ${need.requests} canary requests seen`;
  const elapsed = now - state.stepStartedAt;
  if (elapsed < need.durationMs) return `step ${state.stepIndex + 1}: ${Math.round(elapsed / 1000)}s of ${need.durationMs / 1000}s`;
  return null;
}
