import { describe, expect, it } from "vitest";
import type { CompiledMesh } from "../config/compiled.ts";
import { UnauthenticatedError } from "../traffic/mesh-error.ts";
import { workload } from "../workload.ts";
import type { InboundCall, InboundLayer } from "./call.ts";
import { inboundStack } from "./stack.ts";
import { IsolateState } from "../isolate.ts";

function call(): InboundCall {
  return {
    mesh: {} as CompiledMesh,
    isolate: new IsolateState(),
    env: {},
    waitUntil: () => undefined,
    workload: workload({ service: "reviews", version: "v2" }),
    flags: [],
    peer: {},
    securityPolicy: "none",
  };
}

describe("inboundStack", () => {
  it("is PERMISSIVE with empty slots: the handler sees the request with a normalized path", async () => {
    const stack = inboundStack(async (request) => new Response(new URL(request.url).pathname));
    const response = await stack(new Request("http://reviews/a//b/%2E%2E/c?x=1"), call());
    expect(await response.text()).toBe("/a/c");
  });

  it("refuses a path that cannot be normalized safely with 400, before any slot or the handler", async () => {
    let reached = false;
    const stack = inboundStack(async () => ((reached = true), new Response("no")), {
      authenticate: async (r, c, next) => ((reached = true), next(r, c)),
    });
    const response = await stack(new Request("http://reviews/a%00b"), call());
    expect(response.status).toBe(400);
    expect(response.headers.get("x-isthmus-error")).toBe("path_invalid");
    expect(reached).toBe(false);
  });

  it("runs telemetry, authentication, authorization and rate limit in order; a denial never reaches the handler", async () => {
    const order: string[] = [];
    const slot =
      (name: string): InboundLayer =>
      (request, c, next) => (order.push(name), next(request, c));
    const deny: InboundLayer = async () => {
      order.push("authorize");
      throw new UnauthenticatedError("no_identity");
    };
    const flagsSeen: string[][] = [];
    const telemetry: InboundLayer = async (request, c, next) => {
      order.push("telemetry");
      const response = await next(request, c);
      flagsSeen.push([...c.flags]);
      return response;
    };
    const stack = inboundStack(async () => (order.push("handler"), new Response("ok")), {
      telemetry,
      authenticate: slot("authenticate"),
      authorize: deny,
      rateLimit: slot("rateLimit"),
    });
    const response = await stack(new Request("http://reviews/x"), call());
    expect(response.status).toBe(401);
    expect(order).toEqual(["telemetry", "authenticate", "authorize"]);
    expect(flagsSeen).toEqual([["UAEX"]]);
  });
});
