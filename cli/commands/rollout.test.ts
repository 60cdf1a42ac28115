// `isthmus rollout ...` as a child process against the real control plane (workerd via
// Miniflare): manual gates, pause/resume, abort, retry, promote, history, the live view's
// exits, and refusals shown with the API's code.
import YAML from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startControlPlane, TEST_ADMIN_TOKEN, type ControlPlane } from "../../test/harness/control-plane.ts";
import { cleanEnv, runCli } from "../run-cli.ts";

let cp: ControlPlane;
let env: Record<string, string>;
const cli = (...args: string[]) => runCli(args, { env });

// The first step waits for approval, so the rollout stands still without any traffic.
const ROLLOUT = `apiVersion: rollouts.isthmus.io/v1alpha1
kind: Rollout
metadata:
  name: reviews
spec:
  service: reviews
  stableSubset: v1
  canarySubset: v3
  virtualService: reviews
  steps:
  - weight: 5
    approval: true
  - weight: 50
  analysis:
    interval: 1s
    minRequests: 10
`;

async function reviewsWeights(): Promise<Record<string, number>> {
  const vs = YAML.parse((await cli("get", "vs", "reviews", "-o", "yaml")).stdout);
  return Object.fromEntries(vs.spec.http[0].route.map((d: { destination: { subset: string }; weight?: number }) => [d.destination.subset, d.weight ?? 100]));
}

async function phaseOf(): Promise<string> {
  return JSON.parse((await cli("rollout", "status", "reviews", "-o", "json")).stdout).status?.phase;
}

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

beforeAll(async () => {
  cp = await startControlPlane();
  env = cleanEnv({ ISTHMUS_SERVER: (await cp.mf.ready).origin, ISTHMUS_TOKEN: TEST_ADMIN_TOKEN });
  expect((await cli("apply", "-f", "demo/bookinfo/config")).code).toBe(0);
  const applied = await runCli(["apply", "-f", "-"], { env, input: ROLLOUT });
  expect(applied.stdout, applied.stderr).toBe("rollout.rollouts.isthmus.io/reviews created\n");
}, 120_000);
afterAll(async () => {
  await cp?.dispose();
});

describe("isthmus rollout", () => {
  it("shows the rollout waiting at its gate, lists it with get, and refuses what the phase does not allow", async () => {
    await until(async () => (await phaseOf()) === "WaitingApproval", "the approval gate");
    const status = await cli("rollout", "status", "reviews");
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/^Phase: +WaitingApproval$/m);
    expect(status.stdout).toMatch(/^Canary weight: +0%$/m);
    expect(status.stdout).toMatch(/^1 +5% +approval +awaiting approval +/m);
    expect(status.stdout).toMatch(/^2 +50% +- +pending +/m);

    const listed = await cli("get", "rollouts");
    expect(listed.stdout).toMatch(/^NAME +SERVICE +PHASE +WEIGHT +AGE\nreviews +reviews +WaitingApproval +0% +/);

    const resume = await cli("rollout", "resume", "reviews");
    expect(resume.code).toBe(6);
    expect(resume.stderr).toMatch(/^error: rollout_invalid_transition: /);
    const missing = await cli("rollout", "status", "nope");
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error: \w+: .*nope/);
  });

  it("approve enters the step: the VirtualService splits 95/5; pause and resume hold and go on", async () => {
    const approved = await cli("rollout", "approve", "reviews");
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.stdout).toMatch(/^rollout\.rollouts\.isthmus\.io\/reviews approve: phase Progressing, canary weight 5%/);
    await until(async () => (await reviewsWeights()).v3 === 5, "the canary's weight in the VirtualService");
    expect(await reviewsWeights()).toEqual({ v1: 95, v3: 5 });

    expect((await cli("rollout", "pause", "reviews")).stdout).toMatch(/ pause: phase Paused, canary weight 5%/);
    expect((await cli("rollout", "pause", "reviews")).code).toBe(6);
    const json = JSON.parse((await cli("rollout", "resume", "reviews", "-o", "json")).stdout);
    expect(json).toMatchObject({ phase: "Progressing", weight: 5 });
  });

  it("abort sends everything back to stable; retry starts again; promote ends it; history has each", async () => {
    expect((await cli("rollout", "abort", "reviews")).stdout).toMatch(/ abort: phase Aborted, canary weight 0%/);
    await until(async () => (await reviewsWeights()).v3 === 0, "the canary's weight back to 0");
    expect(await reviewsWeights()).toEqual({ v1: 100, v3: 0 });

    // A terminal phase: the live view ends at once, exit 1 for anything but Promoted.
    const watched = await cli("rollout", "status", "reviews", "--watch");
    expect(watched.code).toBe(1);
    expect(watched.stdout).toMatch(/^Phase: +Aborted$/m);

    expect((await cli("rollout", "retry", "reviews")).stdout).toMatch(/ retry: phase WaitingApproval, canary weight 0%/);
    // Not terminal: --timeout ends the live view with exit 1 after the last read.
    const timedOut = await cli("rollout", "status", "reviews", "-w", "--interval", "200ms", "--timeout", "1s");
    expect(timedOut.code).toBe(1);
    expect(timedOut.stderr).toMatch(/timed out after 1s waiting for rollout reviews \(phase WaitingApproval, weight 0%\)/);

    expect((await cli("rollout", "promote", "reviews")).stdout).toMatch(/ promote: phase Promoted, canary weight 100%/);
    await until(async () => (await reviewsWeights()).v3 === 100, "the canary at 100");
    const done = await cli("rollout", "status", "reviews", "--watch");
    expect(done.code).toBe(0);
    expect(done.stdout).toMatch(/^Phase: +Promoted$/m);

    const history = await cli("rollout", "history", "reviews");
    expect(history.code).toBe(0);
    const events = history.stdout.split("\n").slice(1).filter(Boolean).map((line) => line.split(/ {3,}/)[3]);
    expect(events).toEqual(expect.arrayContaining(["approve", "pause", "resume", "abort", "retry", "promote"]));
    expect(events.indexOf("abort")).toBeLessThan(events.indexOf("retry"));
    const raw = JSON.parse((await cli("rollout", "history", "reviews", "-o", "json")).stdout);
    expect(raw.items.map((e: { event: string }) => e.event)).toEqual(expect.arrayContaining(["approve", "promote"]));
  });
});
