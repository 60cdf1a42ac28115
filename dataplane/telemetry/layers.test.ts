// The telemetry layers in Node, each test with a fresh isolate (a new IsolateState, which holds
// the security counters too): what they build per request depends on what is on.
import { beforeEach, describe, expect, it, vi } from "vitest";
import { compileMesh } from "../config/compiled.ts";
import type { InboundCall } from "../inbound/call.ts";
import type { OutboundCall } from "../outbound/call.ts";
import { upstreamRequest } from "../outbound/upstream-request.ts";
import { IsolateState } from "../isolate.ts";
import { recordSecurityEvent } from "../security/events.ts";
import * as isolate from "./isolate.ts";
import * as layers from "./layers.ts";
import { workload } from "../workload.ts";

const mesh = compileMesh({
  version: 1,
  hash: "t",
  generatedAt: new Date(0).toISOString(),
  trustDomain: "cluster.local",
  endpointHealth: {},
  revokedIdentities: [],
  resources: [
    {
      apiVersion: "networking.istio.io/v1",
      kind: "ServiceEntry",
      metadata: { name: "reviews", namespace: "default" },
      spec: { hosts: ["reviews.default.svc.cluster.local"], ports: [{ number: 80, name: "http" }], endpoints: [{ address: "worker://reviews-v2", labels: { version: "v2" } }] },
    },
  ],
} as never);
const reviews = mesh.service("reviews.default.svc.cluster.local", "default")!;
const OFF = { ISTHMUS_METRICS: "off", ISTHMUS_ACCESS_LOG: "off", ISTHMUS_TRACE_SAMPLING: "0" };
const UNSAMPLED = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00";
const facts = { snapshotVersion: 1, snapshotGeneratedAt: null, snapshotAppliedAt: null, snapshotAgeMs: null, stale: false };

let state: IsolateState;
beforeEach(() => {
  state = new IsolateState();
});

const inboundCall = (env: Record<string, unknown>): InboundCall => ({ mesh, isolate: state, env, waitUntil: () => {}, workload: workload({ service: "reviews", version: "v2" }), flags: [], peer: {}, securityPolicy: "none" });
const outboundCall = (env: Record<string, unknown>, host: string): OutboundCall =>
  ({ mesh, isolate: state, env, waitUntil: () => {}, source: workload({ service: "istio-ingressgateway", namespace: "istio-system" }), scopes: [], flags: [], host, service: mesh.service(host, "istio-system"), attempts: 0 }) as OutboundCall;

describe("telemetry layers", () => {
  it("are left out of the stacks when metrics, traces, access log and error reports are all off", () => {
    expect(layers.outboundTelemetrySlots(OFF)).toEqual({ telemetry: undefined, trace: undefined });
    expect(layers.inboundTelemetrySlots(OFF)).toEqual({ telemetry: undefined });
    expect(layers.outboundTelemetrySlots({ ...OFF, ISTHMUS_METRICS: "on" }).trace).toBe(layers.attemptTrace);
    expect(layers.inboundTelemetrySlots({ ...OFF, SENTRY_DSN: "https://k@sentry.example/1" }).telemetry).toBe(layers.inboundTelemetry);
  });

  it("pass an unsampled request on as received: no span, no header copy, traceparent unchanged", async () => {
    const env = { ...OFF, ISTHMUS_OTLP_ENDPOINT: "http://127.0.0.1:1" };
    const request = new Request("http://reviews/reviews/0", { headers: { traceparent: UNSAMPLED } });
    const seen: Request[] = [];
    await layers.inboundTelemetry(request, inboundCall(env), async (r) => (seen.push(r), new Response("ok")));
    const call = outboundCall(env, "reviews.default.svc.cluster.local");
    await layers.attemptTrace(request, call, async (r) => (seen.push(r), new Response("ok")));
    expect(seen[0]).toBe(request);
    expect(seen[1]).toBe(request);
    expect(isolate.isolateTelemetry(state, env, call.source).tracing!.exporter!.pending).toBe(0);
  });

  it("carry the decision of an unsampled trace they start, and build spans only for a sampled one", async () => {
    const env = { ...OFF, ISTHMUS_OTLP_ENDPOINT: "http://127.0.0.1:1" };
    const seen: Request[] = [];
    // As dispatch sends it: with the attempt's recorded header edits.
    const next = async (r: Request, c: OutboundCall) => (seen.push(upstreamRequest(r, c)), new Response("ok"));
    await layers.attemptTrace(new Request("http://reviews/"), outboundCall(env, "reviews.default.svc.cluster.local"), next);
    expect(seen[0].headers.get("traceparent")).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
    const sampled = new Request("http://reviews/", { headers: { traceparent: UNSAMPLED.replace(/-00$/, "-01") } });
    await layers.attemptTrace(sampled, outboundCall(env, "reviews.default.svc.cluster.local"), next);
    const [, traceId, parent, flags] = seen[1].headers.get("traceparent")!.split("-");
    expect([traceId, flags]).toEqual(["4bf92f3577b34da6a3ce929d0e0e4736", "01"]);
    expect(parent).not.toBe("00f067aa0ba902b7"); // this hop's attempt span
  });

  it("label a host that is not in the snapshot `unknown`, never with the client's host", async () => {
    const env = { ISTHMUS_ACCESS_LOG: "off" };
    for (const host of ["x1.attacker.test", "x2.attacker.test", "reviews.default.svc.cluster.local"]) {
      const call = outboundCall(env, host);
      if (call.service) Object.assign(call, { destination: { service: reviews }, endpoint: reviews.endpoints[0] });
      await layers.outboundTelemetry(new Request(`http://${host}/`), call, async () => new Response("no route", { status: 404 }));
    }
    const batch = isolate.isolateTelemetry(state, env, workload({ service: "istio-ingressgateway" })).recorder!.takeBatch(facts)!;
    expect(batch.series.map((s) => [s.labels.destination_service, s.labels.destination_workload, s.requests])).toEqual([
      ["unknown", "unknown", 2],
      ["reviews.default.svc.cluster.local", "reviews-v2", 1],
    ]);
    expect(JSON.stringify(batch)).not.toContain("attacker");
  });

  it("count a security event in this isolate's recorder, not another's", () => {
    vi.spyOn(console, "log").mockImplementation(() => {});
    const env = { ISTHMUS_ACCESS_LOG: "off" };
    const self = workload({ service: "reviews", version: "v2" });
    const other = new IsolateState();
    const mine = isolate.isolateTelemetry(state, env, self).recorder!;
    const theirs = isolate.isolateTelemetry(other, env, self).recorder!;
    recordSecurityEvent(state.security, { event: "authn_failure", workload: "default/reviews", reason: "jwt_expired", detail: "expired" });
    expect(mine.takeBatch(facts)!.counters).toContainEqual(expect.objectContaining({ name: "isthmus_authn_failures_total", value: 1 }));
    expect(theirs.takeBatch(facts)?.counters ?? []).toEqual([]);
    vi.restoreAllMocks();
  });
});
