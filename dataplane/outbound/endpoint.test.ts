import { describe, expect, it } from "vitest";
import type { TrafficPolicy } from "../../resources/destination-rule.ts";
import type { MeshEndpoint } from "../config/compiled.ts";
import type { OutboundCall } from "./call.ts";
import { chooseEndpoint } from "./endpoint.ts";
import { IsolateState } from "../isolate.ts";

const isolate = new IsolateState();

const endpoints: MeshEndpoint[] = ["a", "b", "c"].map((name) => ({
  address: `worker://${name}`,
  labels: {},
  weight: 1,
  key: `default/svc/worker://${name}`,
  healthy: true,
}));

let keys = 0;
function callWith(policy: TrafficPolicy, previousEndpoints?: Set<string>): OutboundCall {
  const key = `svc|${keys++}`;
  const service = { host: "svc.default.svc.cluster.local", name: "svc", namespace: "default", ports: [], endpoints };
  return {
    destination: { service },
    source: { namespace: "default", labels: {} },
    isolate,
    mesh: { subset: () => ({ key, endpoints, policy }) },
    previousEndpoints,
  } as unknown as OutboundCall;
}

async function picked(call: OutboundCall, user = "jason"): Promise<string> {
  await chooseEndpoint(new Request("http://svc/", { headers: { "x-user": user } }), call, async () => new Response("ok"));
  return call.endpoint!.address;
}

describe("chooseEndpoint on a retry (retryIgnorePreviousHosts)", () => {
  const hashed: TrafficPolicy = { loadBalancer: { consistentHash: { httpHeaderName: "x-user" } } };

  it("avoids the endpoints earlier attempts went to, even where the hash points at one", async () => {
    const first = await picked(callWith(hashed));
    expect(await picked(callWith(hashed))).toBe(first); // the hash alone always picks it
    const previous = new Set([first]);
    const second = await picked(callWith(hashed, previous));
    expect(second).not.toBe(first);
    const third = await picked(callWith(hashed, previous));
    expect([first, second]).not.toContain(third);
    expect(previous).toEqual(new Set(endpoints.map((e) => e.address)));
  });

  it("goes back to a tried endpoint when no other is left", async () => {
    const all = new Set(endpoints.map((e) => e.address));
    const first = await picked(callWith(hashed));
    expect(await picked(callWith(hashed, all))).toBe(first);
  });
});
