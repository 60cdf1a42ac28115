import { UpstreamConnectFailureError, UpstreamTimeoutError } from "../traffic/mesh-error.ts";
import { RetryBudget, retryBudgetSettings } from "../traffic/retry-budget.ts";
import {
  RETRY_BUFFER_LIMIT,
  grpcStatusOf,
  isRetriable,
  resolveRetryPolicy,
  retryBackoffMs,
  retryBodyPlan,
  type AttemptOutcome,
  type RetryPolicy,
} from "../traffic/retry.ts";
import type { OutboundCall, OutboundLayer } from "./call.ts";
import { attemptTimeoutMs, raceTimeout, resolveTimeouts } from "../traffic/timeout.ts";

/**
 * Takes a slot for one retry under the destination subset's `connectionPool.http.maxRetries`
 * (Envoy's max_retries circuit breaker: retries outstanding at once, per isolate here);
 * returns its release, or undefined when the limit is reached.
 */
function takeRetrySlot(call: OutboundCall): (() => void) | undefined {
  const { service, subset } = call.destination!;
  const view = call.mesh.subset(service, subset, call.source.namespace);
  const limit = view?.policy.connectionPool?.http?.maxRetries;
  if (!view || limit === undefined) return () => {};
  // Retries outstanding per destination subset in this isolate, for connectionPool.http.maxRetries.
  const outstandingRetries = call.isolate.outstandingRetries;
  const taken = outstandingRetries.get(view.key) ?? 0;
  if (taken >= limit) return undefined;
  outstandingRetries.set(view.key, taken + 1);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const left = (outstandingRetries.get(view.key) ?? 1) - 1;
    if (left > 0) outstandingRetries.set(view.key, left);
    else outstandingRetries.delete(view.key);
  };
}

// One budget per destination service and isolate (call.isolate), rebuilt when its settings change.
// The settings object is the snapshot's, the same on every request of a version: compared
// by identity first, by content only when a new snapshot brought another object.
const policies = new WeakMap<object, RetryPolicy>();

function budgetFor(call: OutboundCall): RetryBudget {
  const service = call.destination!.service;
  const settings = call.mesh.destinationRule(service.host, call.source.namespace)?.spec.trafficPolicy?.retryBudget;
  const budgets = call.isolate.retryBudgets;
  let entry = budgets.get(service.host);
  if (entry && entry.settings === settings) return entry.budget;
  const signature = JSON.stringify(settings ?? null);
  if (!entry || entry.signature !== signature) {
    entry = { settings, signature, budget: new RetryBudget(retryBudgetSettings(settings)) };
    budgets.set(service.host, entry);
  } else entry.settings = settings;
  return entry.budget;
}

function policyFor(call: OutboundCall): RetryPolicy {
  const route = call.route?.route;
  if (!route) return resolveRetryPolicy(undefined);
  let policy = policies.get(route);
  if (!policy) policies.set(route, (policy = resolveRetryPolicy(route.retries)));
  return policy;
}

/**
 * Timeouts and retries, as Envoy's router does them: the route `timeout` spans every attempt
 * and backoff (none by default), `retries.perTryTimeout` bounds each attempt; retries follow
 * Istio's `retries` (its default when unset: 2 retries on connect failure and 503) with
 * jittered backoff and the destination's retry budget, so retries cannot multiply an
 * outage. A retry prefers an endpoint not tried yet (`retryIgnorePreviousHosts`, default
 * true), and at most `connectionPool.http.maxRetries` retries are outstanding per subset. A
 * body is buffered up to 64 KiB to be replayed; a longer one is sent once, never retried.
 * When attempts run out the last answer is returned, flagged URX; a refusal by the budget or
 * by maxRetries is flagged UO, as Envoy's retry overflow; the route deadline is a 504 UT.
 */
export const retry: OutboundLayer = async (request, call, next) => {
  const policy = policyFor(call);
  const timeouts = resolveTimeouts(call.route?.route ?? {}, request.headers, call.scopes.includes("mesh"));
  const budget = budgetFor(call);
  budget.recordRequest();
  const plan = retryBodyPlan(request);
  // Only a body to buffer is waited on: most requests have none.
  const { replay, streamed } = plan === "buffer" ? await bufferBody(request) : { replay: () => request, streamed: plan === "too-large" };
  const maxAttempts = streamed ? 1 : 1 + policy.attempts;
  const startedAt = Date.now();
  const routeDeadlinePassed = () => attemptTimeoutMs(timeouts, startedAt, Date.now()) === 0;
  if (policy.ignorePreviousHosts && maxAttempts > 1) call.previousEndpoints = new Set();
  let releaseRetry: (() => void) | undefined;
  try {
    for (let attempt = 1; ; attempt++) {
      if (routeDeadlinePassed()) throw new UpstreamTimeoutError(timeouts.routeTimeoutMs!, attempt > 1 ? ["URX"] : []);
      call.attempts = attempt;
      // Each attempt records its own header edits (a fresh nonce, its span): none left from the last.
      call.upstreamHeaders = undefined;
      const attemptRequest = replay(attempt);
      let outcome: AttemptOutcome;
      let response: Response | undefined;
      let failure: unknown;
      try {
        // The caller's own signal (service code's fetch timeout) still aborts the attempt.
        const timeoutMs = attemptTimeoutMs(timeouts, startedAt, Date.now());
        // No timeout (Istio's default): no timer, no signal, no copy of the request.
        const timed =
          timeoutMs === undefined
            ? { timedOut: false as const, value: await next(attemptRequest, call) }
            : await raceTimeout(
                (signal) => next(new Request(attemptRequest, { signal: AbortSignal.any([attemptRequest.signal, signal]) }), call),
                timeoutMs,
              );
        if (timed.timedOut) {
          if (routeDeadlinePassed()) throw new UpstreamTimeoutError(timeouts.routeTimeoutMs!);
          outcome = { failure: "timeout" };
          failure = new UpstreamTimeoutError(timed.afterMs);
        } else {
          response = timed.value;
          outcome = { status: response.status, grpcStatus: grpcStatusOf(response.headers) };
        }
      } catch (error) {
        if (!(error instanceof UpstreamConnectFailureError)) throw error;
        outcome = { failure: "connect-failure" };
        failure = error;
      }
      if (!isRetriable(policy, outcome)) return finish(response, failure);
      if (attempt >= maxAttempts) {
        if (policy.attempts > 0) call.flags.push("URX");
        return finish(response, failure);
      }
      releaseRetry?.();
      releaseRetry = takeRetrySlot(call);
      if (!releaseRetry || !budget.tryRetry()) {
        releaseRetry?.();
        call.flags.push("UO");
        return finish(response, failure);
      }
      await response?.body?.cancel();
      const backoff = retryBackoffMs(policy, attempt);
      if (backoff > 0) await new Promise((resolve) => setTimeout(resolve, backoff));
    }
  } finally {
    releaseRetry?.();
  }
};

function finish(response: Response | undefined, failure: unknown): Response {
  if (response) return response;
  throw failure;
}

/**
 * Makes a request with a body replayable: a body up to the limit is buffered and copied per
 * attempt; a longer one is streamed once (`streamed`).
 */
async function bufferBody(request: Request): Promise<{ replay: (attempt: number) => Request; streamed: boolean }> {
  const reader = request.body!.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (size <= RETRY_BUFFER_LIMIT) {
    const { done, value } = await reader.read();
    if (done) {
      const body = concat(chunks, size);
      return { replay: () => new Request(request, { body }), streamed: false };
    }
    chunks.push(value);
    size += value.byteLength;
  }
  // Longer than the limit with no declared length: send what was read, then the rest, once.
  const rest = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
    },
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel: (reason) => reader.cancel(reason),
  });
  return { replay: () => new Request(request, { body: rest, duplex: "half" } as RequestInit), streamed: true };
}

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}
