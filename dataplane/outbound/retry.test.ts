import { describe, expect, it } from "vitest";
import type { DestinationRule } from "../../resources/destination-rule.ts";
import type { HTTPRoute } from "../../resources/virtual-service.ts";
import type { OutboundCall } from "./call.ts";
import { retry } from "./retry.ts";

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
