import { describe, expect, it } from "vitest";
import { bindingReport, dueReport } from "./binding-report.ts";
import { httpSource, rpcSource } from "./source.ts";

const fetcher = { fetch: async () => new Response("ok") };
const dispatchNamespace = { get: () => fetcher };
const kv = { get: async () => null, put: async () => {}, list: async () => ({ keys: [] }), delete: async () => {} };
const durableObjects = { get: () => fetcher, idFromName: () => ({}) };

describe("bindingReport", () => {
  it("names service bindings and dispatch namespaces only, sorted, never their values", () => {
    const report = bindingReport({ REVIEWS_V2: fetcher, ISTHMUS_CONTROL: fetcher, CUSTOMERS: dispatchNamespace, ISTHMUS_SNAPSHOTS: kv, COUNTERS: durableObjects, ISTHMUS_REFRESH_MS: "1000", SECRET: "s3cr3t" });
    expect(report).toEqual({ services: ["ISTHMUS_CONTROL", "REVIEWS_V2"], dispatchNamespaces: ["CUSTOMERS"] });
    expect(JSON.stringify(report)).not.toContain("s3cr3t");
  });
});

describe("dueReport", () => {
  it("reports on the first pull, then at most once per interval", () => {
    let now = 1_000;
    const due = dueReport({ REVIEWS_V1: fetcher }, 60_000, () => now);
    expect(due()).toEqual({ services: ["REVIEWS_V1"], dispatchNamespaces: [] });
    now += 59_999;
    expect(due()).toBeUndefined();
    now += 1;
    expect(due()?.services).toEqual(["REVIEWS_V1"]);
    expect(due()).toBeUndefined();
  });
});

describe("pulls carrying the report", () => {
  it("send it as the x-isthmus-bindings header or the RPC's second argument, only when due", async () => {
    const report = { services: ["REVIEWS_V1"], dispatchNamespaces: [] };
    let due = true;
    const when = () => (due ? report : undefined);
    const headers: (string | null)[] = [];
    const http = httpSource("http://control.test", "t", async (request) => {
      headers.push(request.headers.get("x-isthmus-bindings"));
      return new Response(null, { status: 304 });
    }, when);
    const calls: unknown[][] = [];
    const rpc = rpcSource({ snapshot: async (...args: unknown[]) => (calls.push(args), null) }, when);
    await http.pull({ version: 0 });
    await rpc.pull({ version: 0 });
    due = false;
    await http.pull({ version: 3, epoch: "e" });
    await rpc.pull({ version: 3, epoch: "e" });
    expect(headers).toEqual([JSON.stringify(report), null]);
    expect(calls).toEqual([[0, report], ["e:3"]]);
  });
});
