import { describe, expect, it } from "vitest";
import type { DestinationRule } from "../../resources/destination-rule.ts";
import type { HTTPRoute } from "../../resources/virtual-service.ts";
import type { OutboundCall } from "./call.ts";
import { retry } from "./retry.ts";
import { IsolateState } from "../isolate.ts";

// One isolate for the file: calls to one destination share its budget and retry counters.
const isolate = new IsolateState();

let hosts = 0;
/** A call on a route with `retries`, to a fresh destination (its own budget and retry counters). */
function callWith(retries: HTTPRoute["retries"], trafficPolicy?: DestinationRule["spec"]["trafficPolicy"]): OutboundCall {
  const host = `svc${hosts++}.default.svc.cluster.local`;
  const service = { host, name: host.split(".")[0], namespace: "default", ports: [], endpoints: [] };
  const rule = trafficPolicy ? { spec: { host, trafficPolicy } } : undefined;
  return {
    route: { route: { retries }, index: 0, virtualService: { name: "vs", namespace: "default" }, order: 0 },
    destination: { service },
    source: { namespace: "default", labels: {} },
    scopes: ["mesh"],
    flags: [],
    attempts: 0,
    isolate,
    mesh: { destinationRule: () => rule, subset: () => ({ key: `${host}|`, endpoints: [], policy: trafficPolicy ?? {} }) },
  } as unknown as OutboundCall;
}

describe("retry layer", () => {
  it("retries a trailers-only gRPC answer whose grpc-status is a retryOn condition", async () => {
    const call = callWith({ attempts: 2, retryOn: "unavailable", backoff: "1ms" });
    const answers = [14, 14, 0];
    const response = await retry(new Request("http://svc/"), call, async () =>
      new Response(null, { status: 200, headers: { "content-type": "application/grpc", "grpc-status": String(answers.shift()) } }),
    );
    expect(response.headers.get("grpc-status")).toBe("0");
    expect(call.attempts).toBe(3);
  });

  it("does not retry a gRPC status the route does not name", async () => {
    const call = callWith({ attempts: 2, retryOn: "unavailable", backoff: "1ms" });
    const response = await retry(new Request("http://svc/"), call, async () => new Response(null, { headers: { "grpc-status": "13" } }));
    expect(response.headers.get("grpc-status")).toBe("13");
    expect(call.attempts).toBe(1);
  });
});

describe("retries and their limits", () => {
  it("remembers tried endpoints unless retryIgnorePreviousHosts is false", async () => {
    const on = callWith({ attempts: 1, retryOn: "5xx" });
    await retry(new Request("http://svc/"), on, async () => new Response(null, { status: 200 }));
    expect(on.previousEndpoints).toBeInstanceOf(Set);
    const off = callWith({ attempts: 1, retryOn: "5xx", retryIgnorePreviousHosts: false });
    await retry(new Request("http://svc/"), off, async () => new Response(null, { status: 200 }));
    expect(off.previousEndpoints).toBeUndefined();
  });

  it("connectionPool.http.maxRetries bounds retries outstanding at once; past it the failure returns flagged UO", async () => {
    const policy = { connectionPool: { http: { maxRetries: 1 } } };
    const first = callWith({ attempts: 3, retryOn: "5xx", backoff: "1ms" }, policy);
    const second = { ...callWith({ attempts: 3, retryOn: "5xx", backoff: "1ms" }, policy), destination: first.destination, mesh: first.mesh, flags: [] };
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    // The first request's retry stays in flight until released.
    const slow = retry(new Request("http://svc/"), first, async () => {
      if (++calls === 1) return new Response(null, { status: 503 });
      await held;
      return new Response(null, { status: 200 });
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const refused = await retry(new Request("http://svc/"), second as OutboundCall, async () => new Response(null, { status: 503 }));
    expect(refused.status).toBe(503);
    expect(second.attempts).toBe(1);
    expect(second.flags).toEqual(["UO"]);
    release();
    expect((await slow).status).toBe(200);
    // The slot is free again: a retry goes ahead.
    const third = { ...second, flags: [], attempts: 0 } as OutboundCall;
    const answers = [503, 200];
    const ok = await retry(new Request("http://svc/"), third, async () => new Response(null, { status: answers.shift() }));
    expect(ok.status).toBe(200);
    expect(third.attempts).toBe(2);
  });
});
