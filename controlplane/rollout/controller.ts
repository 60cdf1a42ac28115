// The controller of one Rollout: a Durable Object (named `namespace/name`) woken when its
// Rollout changes and by an alarm every analysis interval. Each tick reads the canary's and
// stable's counters for the window, judges, decides, and writes the VirtualService's weights
// through MeshControl's apply (a revision each, with the reason). Everything it knows is in
// its storage, so a restart resumes from the recorded step.
import { DurableObject } from "cloudflare:workers";
import { meshControl, type Env } from "../env.ts";
import { refused, type Result } from "../../contracts/refusal.ts";
import { histogramQuantile } from "../../contracts/telemetry/histogram.ts";
import { parseDuration } from "../../resources/duration.ts";
import type { Rollout } from "../../resources/rollout.ts";
import { difference, hasSamples, sideOf, type ReporterTallies } from "./counts.ts";
import { customFigures } from "./custom-checks.ts";
import { act, decide, pendingState, start, windowSlid, type Decision, type Phase, type RolloutAction, type RolloutEvent, type RolloutState } from "./decide.ts";
import { judge, type Verdict } from "./judge.ts";
import { readTallies, subsetVersions, type Tallies } from "./read-tallies.ts";
import { planStepGates } from "./steps.ts";
import { sendWebhooks, webhookEvent } from "./webhooks.ts";
import { intervalsToDrop } from "./window.ts";
import { writeTraffic, type WriteResult } from "./write-weights.ts";

/** One recorded transition or analysis. */
export interface HistoryEntry {
  at: string;
  stepIndex: number;
  weight: number;
  event: RolloutEvent;
  phase: Phase;
  message: string;
  verdict?: Verdict;
  /** The config revision that wrote the weights, when this entry wrote any. */
  revision?: number;
  actor?: string;
  /** Holds on insufficient data in a row, kept as one entry (the latest verdict). */
  repeated?: number;
}

/** What GET returns as a Rollout's `status`. */
export interface RolloutStatus {
  phase: Phase;
  stepIndex: number;
  weight: number;
  /** Each step's weight and gates, so surfaces need not read the spec. */
  steps: Array<{ weight: number; approval: boolean; minRequests: number; minDuration?: string }>;
  failures: number;
  message: string;
  updatedAt: string;
  /**
   * The latest STATUS_HISTORY entries and each step's latest verdict, oldest first: what the
   * steps table needs without every entry (`/history` has them all).
   */
  history: HistoryEntry[];
  /** Entries kept in all (at most HISTORY_KEEP), as `/history` lists them. */
  historyCount: number;
}

/** Canary and stable figures of one tick, for the dashboard's chart. */
export interface SeriesBucket {
  at: string;
  canary: { requests: number; errors: number; p50Ms: number | null; p99Ms: number | null };
  stable: { requests: number; errors: number; p50Ms: number | null; p99Ms: number | null };
}

/** Figures for the `rollout_*` metric family. */
export interface RolloutFigures {
  phase: Phase;
  weight: number;
  stepIndex: number;
  transitions: Record<string, number>;
  analyses: Record<string, number>;
}

interface ControllerRecord {
  namespace: string;
  name: string;
  /** The spec fields that, changed, start the rollout over. */
  specKey: string;
  state: RolloutState;
  /**
   * Counters at the start of each interval of the current analysis window, oldest first: the
   * window runs from the first to now (see window.ts). Empty: the next tick only starts one.
   */
  window: WindowStart[];
  /** Counters at the previous tick, for the per-tick series. */
  last: Tallies | null;
  /** False while the VirtualService does not yet carry the state's traffic. */
  synced: boolean;
  updatedAt: number;
  historySeq: number;
  /** History key (sequence number) of each step's latest verdict; absent in records saved before it was kept. */
  stepVerdicts?: Record<number, number>;
  transitions: Record<string, number>;
  analyses: Record<string, number>;
}

/** Counters read at one instant, where an analysis window (or a part of one) starts. */
interface WindowStart {
  at: number;
  tallies: Tallies;
}

const RECORD = "record";
const HISTORY_KEEP = 500;
/** History entries a status embeds besides each step's latest verdict. */
const STATUS_HISTORY = 20;
const SERIES_KEEP_MS = 3_600_000;
const LIVE: readonly Phase[] = ["Pending", "PreStage", "Mirroring", "Progressing", "WaitingApproval", "Paused"];

export class RolloutController extends DurableObject<Env> {
  /** Ticks, wakes and actions run one at a time: each reads, awaits RPCs, then writes the record. */
  private queue: Promise<unknown> = Promise.resolve();
  /** Whether the running tick already wrote the state's traffic (then it need not put it right). */
  private wroteTraffic = false;

  /** The Rollout was created, changed or deleted: start, start over, or stop. */
  wake(namespace: string, name: string): Promise<void> {
    return this.serial(async () => {
      const rollout = (await meshControl(this.env).resource({ kind: "Rollout", namespace, name })) as Rollout | null;
      if (!rollout) return this.stop();
      const now = Date.now();
      const plan = planOf(rollout);
      const key = specKeyOf(rollout);
      const record = await this.load();
      if (!record || record.specKey !== key) {
        const fresh: ControllerRecord = {
          namespace, name, specKey: key, state: pendingState(plan, now), window: [], last: null, synced: true, updatedAt: now,
          historySeq: record?.historySeq ?? 0, stepVerdicts: record ? await this.stepVerdicts(record) : {}, transitions: record?.transitions ?? {}, analyses: record?.analyses ?? {},
        };
        await this.save(fresh);
      } else {
        // Thresholds and limits apply at once; the position in the plan stays.
        record.state = { ...record.state, failureLimit: plan.failureLimit, steps: plan.steps, preStage: plan.preStage, mirror: plan.mirror };
        await this.save(record);
      }
      await this.ctx.storage.setAlarm(now);
    });
  }

  override alarm(): Promise<void> {
    return this.serial(() => this.tick());
  }

  /** A user's action; refused with `rollout_invalid_transition` when the phase does not allow it. */
  action(action: RolloutAction, actor: string): Promise<Result<RolloutStatus>> {
    return this.serial(async () => {
      const record = await this.load();
      const rollout = record ? await this.rollout(record) : null;
      if (!record || !rollout) return refused(404, "not_found", "the rollout has no controller state yet");
      const now = Date.now();
      const outcome = act(record.state, action, now);
      if (!outcome.ok) return refused(409, "rollout_invalid_transition", outcome.message, [{ path: "action", message: outcome.message }]);
      const stage = record.state.stage;
      await this.transition(record, rollout, outcome.decision, now, { actor });
      // A retry is a new run: counts still arriving from the last one must not be judged, so
      // its first interval only starts the window. A new stage or weight starts one at once.
      if (action === "retry") record.window = [];
      else if (record.state.stage !== stage || ["resume", "approve"].includes(action)) record.window = [{ at: now, tallies: await readTallies(this.env, rollout, await subsetVersions(this.env, rollout)) }];
      await this.save(record);
      await this.schedule(record, rollout, now);
      return { ok: true, value: await this.statusOf(record) } as const;
    });
  }

  /** The status, or null before the controller first saw its Rollout. */
  async status(): Promise<RolloutStatus | null> {
    const record = await this.load();
    return record ? this.statusOf(record) : null;
  }

  async history(): Promise<HistoryEntry[]> {
    const entries = await this.ctx.storage.list<HistoryEntry>({ prefix: "history:" });
    return [...entries.values()];
  }

  /** Per-tick canary and stable figures of the last `windowMs`. */
  async series(windowMs: number): Promise<SeriesBucket[]> {
    const from = Date.now() - windowMs;
    const buckets = await this.ctx.storage.list<SeriesBucket>({ prefix: "series:", start: `series:${pad(from)}` });
    return [...buckets.values()];
  }

  async figures(): Promise<RolloutFigures | null> {
    const record = await this.load();
    if (!record) return null;
    return { phase: record.state.phase, weight: record.state.weight, stepIndex: record.state.stepIndex, transitions: record.transitions, analyses: record.analyses };
  }

  private async tick(): Promise<void> {
    const record = await this.load();
    if (!record) return;
    const rollout = await this.rollout(record);
    if (!rollout) return this.stop();
    const now = Date.now();
    const state = record.state;
    this.wroteTraffic = false;
    if (state.phase === "Pending") {
      const started = start(state, now);
      // Counts from before the rollout may still arrive (telemetry is stamped when it reaches
      // the shard, not when the request ran): the first interval only starts the window.
      if (await this.transition(record, rollout, started, now)) record.window = [];
    } else if (LIVE.includes(state.phase)) {
      // Also while paused or waiting for approval: the canary still takes traffic.
      await this.analyse(record, rollout, now);
    }
    // The rollout owns its routes' weights: a write that failed, or a user's edit, is put right each tick.
    if (!this.wroteTraffic && (!record.synced || LIVE.includes(record.state.phase))) await this.sync(record, rollout, `restores its weights (${record.state.message})`);
    await this.save(record);
    await this.schedule(record, rollout, now);
  }

  // One tick reads the DestinationRules once and the counters once (custom checks: once per
  // service and window they ask for); the next window starts from the same read.
  private async analyse(record: ControllerRecord, rollout: Rollout, now: number): Promise<void> {
    const versions = await subsetVersions(this.env, rollout);
    const current = await readTallies(this.env, rollout, versions);
    if (record.window.length === 0) {
      record.window = [{ at: now, tallies: current }];
      record.last = current;
      return;
    }
    const requests = (a: Tallies, b: Tallies) => ({ canary: sideOf(difference(b.canary, a.canary)).requests, stable: sideOf(difference(b.stable, a.stable)).requests });
    const ends = [...record.window.slice(1).map((w) => w.tallies), current];
    const drop = intervalsToDrop(record.window.map((w, i) => requests(w.tallies, ends[i]!)), rollout.spec.analysis.minRequests);
    const from = record.window[drop]!;
    // The dropped intervals' canary requests were counted in the step already.
    if (drop > 0) record.state = windowSlid(record.state, requests(record.window[0]!.tallies, from.tallies).canary);
    const window = { canary: sideOf(difference(current.canary, from.tallies.canary)), stable: sideOf(difference(current.stable, from.tallies.stable)) };
    const custom = rollout.spec.analysis.custom?.length ? await customFigures(this.env, rollout, versions.canary, now) : undefined;
    const judged = judge(
      { canary: window.canary, stable: window.stable, custom, triggers: { ejections: window.canary.ejections, exceptions: window.canary.exceptions } },
      rollout.spec.analysis,
      rollout.spec.rollbackOn,
    );
    const verdict: Verdict = { ...judged, window: { from: new Date(from.at).toISOString(), to: new Date(now).toISOString() } };
    record.analyses[verdict.result] = (record.analyses[verdict.result] ?? 0) + 1;
    await this.recordSeries(record, current, now);
    const decision = decide(record.state, verdict, now);
    await this.transition(record, rollout, decision, now, { verdict });
    // A conclusive verdict or a move starts the next window; too little data lets it grow by an interval.
    // A move's window starts at this tick's read, just before its traffic was written: the
    // requests between the two are far fewer than telemetry's own flush lag moves anyway.
    if (decision.event === "hold" && verdict.result === "insufficient_data") record.window = [...record.window.slice(drop), { at: now, tallies: current }];
    else record.window = [{ at: now, tallies: current }];
  }

  /**
   * Records a decision, writes its traffic and tells the webhooks; false when its traffic could
   * not be written yet (a pending rollout then stays pending and tries again next tick).
   */
  private async transition(record: ControllerRecord, rollout: Rollout, decision: Decision, now: number, extra: { verdict?: Verdict; actor?: string } = {}): Promise<boolean> {
    const before = record.state;
    const next = decision.nextState;
    const moved = decision.event !== "hold" || next.phase !== before.phase;
    let revision: number | null = null;
    let written: WriteResult | undefined;
    if (moved) {
      written = await writeTraffic(this.env, rollout, next, `${decision.event}: ${next.message}`);
      if (!written.ok) {
        if (before.phase === "Pending") {
          record.state = { ...before, message: written.message };
          record.updatedAt = now;
          return false;
        }
        record.synced = false;
      } else {
        record.synced = true;
        this.wroteTraffic = true;
        revision = written.revision;
      }
      record.transitions[decision.event] = (record.transitions[decision.event] ?? 0) + 1;
      this.ctx.waitUntil(sendWebhooks(rollout, webhookEvent(rollout, decision.event, next.phase, next.weight, next.message)));
    }
    record.state = written && !written.ok ? { ...next, message: `${next.message} (weights not written yet: ${written.message})` } : next;
    record.updatedAt = now;
    if (moved || extra.verdict) {
      await this.appendHistory(record, {
        at: new Date(now).toISOString(), stepIndex: next.stepIndex, weight: next.weight, event: decision.event, phase: next.phase, message: next.message,
        ...(extra.verdict ? { verdict: extra.verdict } : {}), ...(revision !== null ? { revision } : {}), ...(extra.actor ? { actor: extra.actor } : {}),
      });
    }
    return true;
  }

  private async sync(record: ControllerRecord, rollout: Rollout, reason: string): Promise<void> {
    const written = await writeTraffic(this.env, rollout, record.state, reason);
    record.synced = written.ok;
  }

  private async schedule(record: ControllerRecord, rollout: Rollout, now: number): Promise<void> {
    if (LIVE.includes(record.state.phase) || !record.synced) await this.ctx.storage.setAlarm(now + parseDuration(rollout.spec.analysis.interval));
    else await this.ctx.storage.deleteAlarm();
  }

  private async recordSeries(record: ControllerRecord, current: Tallies, now: number): Promise<void> {
    const figures = (tallies: ReporterTallies, before: ReporterTallies | undefined) => {
      const side = sideOf(difference(tallies, before));
      const has = side.histogram && hasSamples(side.histogram);
      return { requests: side.requests, errors: side.errors, p50Ms: has ? histogramQuantile(0.5, side.histogram!) : null, p99Ms: has ? histogramQuantile(0.99, side.histogram!) : null };
    };
    const bucket: SeriesBucket = { at: new Date(now).toISOString(), canary: figures(current.canary, record.last?.canary), stable: figures(current.stable, record.last?.stable) };
    record.last = current;
    await this.ctx.storage.put(`series:${pad(now)}`, bucket);
    const old = await this.ctx.storage.list({ prefix: "series:", end: `series:${pad(now - SERIES_KEEP_MS)}` });
    if (old.size > 0) await this.ctx.storage.delete([...old.keys()]);
  }

  private async appendHistory(record: ControllerRecord, entry: HistoryEntry): Promise<void> {
    const waiting = (e: HistoryEntry | undefined) => e?.event === "hold" && e.verdict?.result === "insufficient_data";
    const previous = record.historySeq > 0 ? await this.ctx.storage.get<HistoryEntry>(`history:${pad(record.historySeq)}`) : undefined;
    const verdicts = await this.stepVerdicts(record);
    if (waiting(entry) && waiting(previous)) {
      await this.ctx.storage.put(`history:${pad(record.historySeq)}`, { ...entry, repeated: (previous!.repeated ?? 1) + 1 });
      verdicts[entry.stepIndex] = record.historySeq;
      return;
    }
    record.historySeq += 1;
    await this.ctx.storage.put(`history:${pad(record.historySeq)}`, entry);
    if (entry.verdict) verdicts[entry.stepIndex] = record.historySeq;
    if (record.historySeq > HISTORY_KEEP) await this.ctx.storage.delete(`history:${pad(record.historySeq - HISTORY_KEEP)}`);
  }

  private async statusOf(record: ControllerRecord): Promise<RolloutStatus> {
    const s = record.state;
    return {
      phase: s.phase, stepIndex: s.stepIndex, weight: s.weight, failures: s.failures,
      steps: s.steps.map((step) => ({ weight: step.weight, approval: step.approval, minRequests: step.minRequests, ...(step.minDurationMs > 0 ? { minDuration: `${step.minDurationMs / 1000}s` } : {}) })),
      message: s.message, updatedAt: new Date(record.updatedAt).toISOString(),
      history: await this.statusHistory(record), historyCount: Math.min(record.historySeq, HISTORY_KEEP),
    };
  }

  /** The latest STATUS_HISTORY entries and each step's latest verdict still kept, oldest first. */
  private async statusHistory(record: ControllerRecord): Promise<HistoryEntry[]> {
    const first = record.historySeq - STATUS_HISTORY + 1;
    const latest = await this.ctx.storage.list<HistoryEntry>({ prefix: "history:", start: `history:${pad(Math.max(1, first))}` });
    const kept = record.historySeq - HISTORY_KEEP;
    const older = Object.values(await this.stepVerdicts(record)).filter((seq) => seq < first && seq > kept).map((seq) => `history:${pad(seq)}`);
    const entries = new Map(latest);
    // Storage reads at most 128 keys at once.
    for (let i = 0; i < older.length; i += 128) for (const [key, entry] of await this.ctx.storage.get<HistoryEntry>(older.slice(i, i + 128))) entries.set(key, entry);
    return [...entries.keys()].sort().map((key) => entries.get(key)!);
  }

  /** Each step's latest verdict by history key; found from the whole history once for a record saved before it was kept. */
  private async stepVerdicts(record: ControllerRecord): Promise<Record<number, number>> {
    if (!record.stepVerdicts) {
      const found: Record<number, number> = {};
      for (const [key, entry] of await this.ctx.storage.list<HistoryEntry>({ prefix: "history:" })) if (entry.verdict) found[entry.stepIndex] = Number(key.slice("history:".length));
      record.stepVerdicts = found;
    }
    return record.stepVerdicts;
  }

  private async rollout(record: ControllerRecord): Promise<Rollout | null> {
    return (await meshControl(this.env).resource({ kind: "Rollout", namespace: record.namespace, name: record.name })) as Rollout | null;
  }

  private async stop(): Promise<void> {
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
  }

  private async load(): Promise<ControllerRecord | undefined> {
    const record = await this.ctx.storage.get<ControllerRecord>(RECORD);
    // A record saved before windows had parts starts a fresh window rather than judge from zero.
    if (record && !Array.isArray(record.window)) record.window = [];
    return record;
  }

  private save(record: ControllerRecord): Promise<void> {
    return this.ctx.storage.put(RECORD, record);
  }

  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

function planOf(rollout: Rollout) {
  const spec = rollout.spec;
  return {
    steps: planStepGates(spec),
    failureLimit: spec.analysis.failureLimit,
    preStage: spec.preStage ? { minRequests: spec.preStage.minRequests ?? 0 } : null,
    mirror: spec.mirror ? { minRequests: spec.mirror.minRequests ?? 0 } : null,
  };
}

function specKeyOf(rollout: Rollout): string {
  const { service, stableSubset, canarySubset, virtualService, routes, steps, stepWeight, maxWeight, geometric, preStage, mirror } = rollout.spec;
  return JSON.stringify({ service, stableSubset, canarySubset, virtualService, routes, steps, stepWeight, maxWeight, geometric, preStage, mirror });
}

function pad(n: number): string {
  return String(n).padStart(16, "0");
}
