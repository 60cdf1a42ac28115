import { describe, expect, it } from "vitest";
import type { TrafficPolicy } from "../../resources/destination-rule.ts";
import { OverflowError } from "../traffic/mesh-error.ts";
import type { OutboundCall } from "./call.ts";
import { circuitBreaker, connectionLimits } from "./circuit-breaker.ts";
import { IsolateState } from "../isolate.ts";

const isolate = new IsolateState();

let keys = 0;
function callWith(connectionPool: TrafficPolicy["connectionPool"]): OutboundCall {
  const key = `httpbin|${keys++}`;
  const service = { host: "httpbin.default.svc.cluster.local", name: "httpbin", namespace: "default", ports: [], endpoints: [] };
  return {
    destination: { service },
    source: { namespace: "default", labels: {} },
    isolate,
    mesh: { subset: () => ({ key, endpoints: [], policy: { connectionPool } }) },
  } as unknown as OutboundCall;
}

/** Starts a request that stays in flight until `finish()`; `settled` says how it ended. */
function start(call: OutboundCall) {
  let finish!: () => void;
  const upstream = new Promise<Response>((resolve) => (finish = () => resolve(new Response("ok"))));
  let outcome = "in flight";
  const done = Promise.resolve(circuitBreaker(new Request("http://httpbin/"), call, () => upstream)).then(
    () => (outcome = "ok"),
    (error) => (outcome = error instanceof OverflowError ? "UO" : String(error)),
  );
  return { finish, done, outcome: () => outcome };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("circuit breaking by connectionPool", () => {
  it("maps Istio's fields to in-flight and pending limits", () => {
    expect(connectionLimits(undefined)).toEqual({ active: Infinity, pending: Infinity, queue: true });
    expect(connectionLimits({ tcp: { maxConnections: 1 }, http: { http1MaxPendingRequests: 1 } })).toEqual({ active: 1, pending: 1, queue: true });
    expect(connectionLimits({ http: { http2MaxRequests: 5 } })).toMatchObject({ active: 5, queue: false });
    expect(connectionLimits({ tcp: { maxConnections: 10 }, http: { http2MaxRequests: 5 } })).toMatchObject({ active: 5, queue: false });
  });

  it("Istio's circuit-breaking sample: one in flight, one waiting, the third refused 503 UO", async () => {
    const call = callWith({ tcp: { maxConnections: 1 }, http: { http1MaxPendingRequests: 1, maxRequestsPerConnection: 1 } });
    const first = start(call);
    const second = start(call);
    const third = start(call);
    await tick();
    expect([first.outcome(), second.outcome(), third.outcome()]).toEqual(["in flight", "in flight", "UO"]);
    first.finish();
    await first.done;
    await tick();
    // The waiting request took the freed slot: a new one must wait again, not overflow.
    const fourth = start(call);
    await tick();
    expect(fourth.outcome()).toBe("in flight");
    second.finish();
    await second.done;
    await tick();
    fourth.finish();
    await fourth.done;
    expect([second.outcome(), fourth.outcome()]).toEqual(["ok", "ok"]);
  });

  it("http2MaxRequests alone refuses at once, without a queue", async () => {
    const call = callWith({ http: { http2MaxRequests: 1 } });
    const first = start(call);
    const second = start(call);
    await tick();
    expect([first.outcome(), second.outcome()]).toEqual(["in flight", "UO"]);
    first.finish();
    await first.done;
  });
});
