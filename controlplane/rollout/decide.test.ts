import { describe, expect, it } from "vitest";
import { act, decide, pendingState, start, windowSlid, type RolloutState } from "./decide.ts";
import type { Verdict } from "./judge.ts";
import type { StepGate } from "./steps.ts";

const gate = (weight: number, extra: Partial<StepGate> = {}): StepGate => ({ weight, minRequests: 10, minDurationMs: 0, approval: false, ...extra });
const plan = { steps: [gate(1), gate(50), gate(100)], failureLimit: 1, preStage: null, mirror: null };
const side = (requests: number) => ({ requests, errors: 0, successRate: 100, p50Ms: null, p99Ms: null });
const verdict = (result: Verdict["result"], canary = 20, extra: Partial<Verdict> = {}): Verdict => ({ result, reason: result, canary: side(canary), stable: side(100), checks: [], ...extra });

function progressing(overrides: Partial<RolloutState> = {}): RolloutState {
  return { ...start(pendingState(plan, 0), 0).nextState, ...overrides };
}

describe("start", () => {
  it("enters the first step, or the pre-stage and mirror stages first", () => {
    expect(start(pendingState(plan, 0), 5)).toMatchObject({ event: "start", nextState: { phase: "Progressing", stepIndex: 0, weight: 1, stepStartedAt: 5 } });
    const staged = start(pendingState({ ...plan, preStage: { minRequests: 5 }, mirror: { minRequests: 5 } }, 0), 0).nextState;
    expect(staged).toMatchObject({ phase: "PreStage", stage: "preStage", weight: 0 });
    const mirrored = decide(staged, verdict("pass", 5), 1);
    expect(mirrored).toMatchObject({ event: "advance", nextState: { phase: "Mirroring", stage: "mirror", weight: 0 } });
    expect(decide(mirrored.nextState, verdict("pass", 5), 2)).toMatchObject({ event: "advance", nextState: { phase: "Progressing", stepIndex: 0, weight: 1 } });
  });

  it("stops at an approval gate on the first step", () => {
    const gated = start(pendingState({ ...plan, steps: [gate(1, { approval: true }), gate(100)] }, 0), 0);
    expect(gated).toMatchObject({ event: "start", nextState: { phase: "WaitingApproval", gate: 0, weight: 0 } });
  });
});

describe("decide", () => {
  it("advances step by step on passing analyses with enough canary requests, then promotes", () => {
    let state = progressing();
    const first = decide(state, verdict("pass", 20), 1000);
    expect(first).toMatchObject({ event: "advance", nextState: { stepIndex: 1, weight: 50, stepRequests: 0, stepStartedAt: 1000 } });
    state = first.nextState;
    expect(decide(state, verdict("pass", 20), 2000)).toMatchObject({ event: "promote", nextState: { phase: "Promoted", weight: 100 } });
  });

  it("holds until the step has seen minRequests canary requests in total, across windows", () => {
    const once = decide(progressing(), verdict("pass", 6), 1);
    expect(once).toMatchObject({ event: "hold", nextState: { stepIndex: 0, stepRequests: 6, message: "step 1: 6 of 10 canary requests seen" } });
    expect(decide(once.nextState, verdict("pass", 6), 2)).toMatchObject({ event: "advance", nextState: { stepIndex: 1 } });
  });

  it("counts a growing window's requests once: an insufficient window stays open", () => {
    const first = decide(progressing(), verdict("insufficient_data", 4), 1);
    expect(first.nextState).toMatchObject({ stepRequests: 4, windowCounted: 4 });
    // The same window, now with 9 requests (4 old, 5 new), passes: 9 seen in the step, not 13.
    const second = decide(first.nextState, verdict("pass", 9), 2);
    expect(second).toMatchObject({ event: "hold", nextState: { stepRequests: 9, windowCounted: 0, message: "step 1: 9 of 10 canary requests seen" } });
    expect(decide(second.nextState, verdict("pass", 1), 3).event).toBe("advance");
  });

  it("holds until minDuration has passed", () => {
    const state = progressing({ steps: [gate(1, { minDurationMs: 30_000 }), gate(100)], stepStartedAt: 0 });
    expect(decide(state, verdict("pass"), 29_999).event).toBe("hold");
    expect(decide(state, verdict("pass"), 30_000).event).toBe("promote");
  });

  it("never advances and never counts a failure on insufficient data", () => {
    const held = decide(progressing(), verdict("insufficient_data", 500), 1);
    expect(held).toMatchObject({ event: "hold", nextState: { stepIndex: 0, failures: 0, message: "insufficient_data" } });
  });

  it("tolerates failureLimit failed analyses, then rolls back to weight 0", () => {
    const once = decide(progressing(), verdict("fail"), 1);
    expect(once).toMatchObject({ event: "hold", nextState: { phase: "Progressing", failures: 1, weight: 1 } });
    expect(decide(once.nextState, verdict("fail"), 2)).toMatchObject({ event: "rollback", nextState: { phase: "RolledBack", weight: 0, failures: 2 } });
    expect(decide(progressing({ failureLimit: 0 }), verdict("fail"), 1).event).toBe("rollback");
  });

  it("rolls back at once on a verdict that says so", () => {
    expect(decide(progressing({ failureLimit: 5 }), verdict("fail", 1, { rollback: true, reason: "exceptions" }), 1)).toMatchObject({ event: "rollback", nextState: { message: "rolled back: exceptions" } });
  });

  it("waits for approval before a gated step, and approval enters it", () => {
    const state = progressing({ steps: [gate(1), gate(50, { approval: true }), gate(100)] });
    const waiting = decide(state, verdict("pass"), 1);
    expect(waiting).toMatchObject({ event: "hold", nextState: { phase: "WaitingApproval", gate: 1, weight: 1, message: "waiting for approval before step 2 (50%)" } });
    expect(decide(waiting.nextState, verdict("pass"), 2)).toMatchObject({ event: "hold", nextState: { phase: "WaitingApproval" } });
    const approved = act(waiting.nextState, "approve", 3);
    expect(approved).toMatchObject({ ok: true, decision: { event: "approve", nextState: { phase: "Progressing", stepIndex: 1, weight: 50, message: "step 2: 50%" } } });
  });

  it("keeps judging while waiting for approval: failures count and roll back, a pass never advances", () => {
    const waiting = decide(progressing({ steps: [gate(1), gate(50, { approval: true }), gate(100)] }), verdict("pass"), 1).nextState;
    const passed = decide(waiting, verdict("pass", 500), 2);
    expect(passed).toMatchObject({ event: "hold", nextState: { phase: "WaitingApproval", gate: 1, weight: 1, message: "waiting for approval before step 2 (50%)" } });
    const failedOnce = decide(waiting, verdict("fail", 20, { reason: "bad" }), 2);
    expect(failedOnce).toMatchObject({ event: "hold", nextState: { phase: "WaitingApproval", failures: 1, weight: 1, message: "analysis failed while waiting for approval (1 of 1 tolerated): bad" } });
    expect(decide(failedOnce.nextState, verdict("fail"), 3)).toMatchObject({ event: "rollback", nextState: { phase: "RolledBack", weight: 0, gate: null, failures: 2 } });
    expect(decide(waiting, verdict("fail", 1, { rollback: true, reason: "exceptions" }), 2)).toMatchObject({ event: "rollback", nextState: { phase: "RolledBack", weight: 0 } });
  });

  it("keeps judging while paused: a failure past the limit rolls back, a pass holds", () => {
    const paused = (act(progressing({ failureLimit: 0 }), "pause", 1) as { decision: { nextState: RolloutState } }).decision.nextState;
    expect(decide(paused, verdict("pass", 500), 2)).toMatchObject({ event: "hold", nextState: { phase: "Paused", stepIndex: 0, message: "paused by hand" } });
    expect(decide(paused, verdict("fail", 20, { reason: "bad" }), 2)).toMatchObject({ event: "rollback", nextState: { phase: "RolledBack", weight: 0, pausedFrom: null, message: "rolled back: analysis failed 1 time(s) while paused, limit 0: bad" } });
  });

  it("counts the failure limit over the whole rollout, not per step", () => {
    const failed = decide(progressing({ failureLimit: 1 }), verdict("fail"), 1).nextState;
    const advanced = decide(failed, verdict("pass", 20), 2);
    expect(advanced).toMatchObject({ event: "advance", nextState: { stepIndex: 1, failures: 1 } });
    expect(decide(advanced.nextState, verdict("fail"), 3).event).toBe("rollback");
  });

  it("forgets the canary requests of an interval a sliding window drops, so none count twice or are lost", () => {
    const first = decide(progressing(), verdict("insufficient_data", 4), 1).nextState;
    // The window drops an interval of 3 canary requests and adds 5: 6 in it, of which 1 counted.
    const slid = windowSlid(first, 3);
    expect(slid.windowCounted).toBe(1);
    expect(decide(slid, verdict("insufficient_data", 6), 2).nextState).toMatchObject({ stepRequests: 9, windowCounted: 6 });
    expect(windowSlid(first, 10).windowCounted).toBe(0);
  });
});

describe("act", () => {
  it("pauses and resumes to the phase it left", () => {
    const paused = act(progressing(), "pause", 1);
    expect(paused).toMatchObject({ ok: true, decision: { event: "pause", nextState: { phase: "Paused", pausedFrom: "Progressing" } } });
    const state = (paused as { decision: { nextState: RolloutState } }).decision.nextState;
    expect(decide(state, verdict("pass"), 2).event).toBe("hold");
    expect(act(state, "resume", 3)).toMatchObject({ ok: true, decision: { event: "resume", nextState: { phase: "Progressing" } } });
  });

  it("aborts to weight 0, retries from the start, promotes to 100", () => {
    const aborted = act(progressing({ stepIndex: 1, weight: 50 }), "abort", 1);
    expect(aborted).toMatchObject({ ok: true, decision: { nextState: { phase: "Aborted", weight: 0 } } });
    const state = (aborted as { decision: { nextState: RolloutState } }).decision.nextState;
    expect(act(state, "retry", 2)).toMatchObject({ ok: true, decision: { event: "retry", nextState: { phase: "Progressing", stepIndex: 0, weight: 1, failures: 0 } } });
    expect(act(progressing(), "promote", 1)).toMatchObject({ ok: true, decision: { event: "promote", nextState: { phase: "Promoted", weight: 100 } } });
  });

  it("refuses actions the phase does not allow, naming the phase", () => {
    expect(act(progressing(), "resume", 1)).toEqual({ ok: false, message: "cannot resume a rollout in phase Progressing (allowed in Paused)" });
    expect(act(progressing(), "approve", 1).ok).toBe(false);
    expect(act(progressing({ phase: "Promoted" }), "abort", 1).ok).toBe(false);
  });
});
