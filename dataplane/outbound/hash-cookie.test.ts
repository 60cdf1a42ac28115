import { describe, expect, it } from "vitest";
import type { HTTPRoute } from "../../resources/virtual-service.ts";
import type { OutboundCall } from "./call.ts";
import { chooseDestination } from "./destination.ts";
import { IsolateState } from "../isolate.ts";

const isolate = new IsolateState();

const service = (host: string) => ({ host: `${host}.default.svc.cluster.local`, name: host, namespace: "default", ports: [], endpoints: [] });

function callWith(stickyHash: HTTPRoute["stickyHash"]): OutboundCall {
  const route = {
    stickyHash,
    route: [
      { destination: { host: "reviews", subset: "v1" }, weight: 50 },
      { destination: { host: "reviews", subset: "v3" }, weight: 50 },
    ],
  };
  return {
    route: { route, index: 0, virtualService: { name: "reviews", namespace: "default" }, order: 0 },
    source: { namespace: "default", labels: {} },
    scopes: ["mesh"],
    flags: [],
    attempts: 0,
    isolate,
    mesh: { service: (host: string) => service(host), destinationRule: () => undefined },
  } as unknown as OutboundCall;
}

async function send(call: OutboundCall, cookie?: string): Promise<{ subset?: string; setCookie: string | null }> {
  const request = new Request("http://reviews/", { headers: cookie ? { cookie } : {} });
  // An upstream answer's headers are immutable, as a fetch response's are.
  const response = await chooseDestination(request, call, async () => Response.redirect("http://x/", 302));
  return { subset: call.destination?.subset, setCookie: response.headers.get("set-cookie") };
}

describe("hash cookies the mesh generates (httpCookie ttl)", () => {
  const sticky = { httpCookie: { name: "session", ttl: "3600s", path: "/" } };

  it("sets a generated cookie with Path and Max-Age on a request without one, and the cookie keeps the client put", async () => {
    const first = await send(callWith(sticky));
    const match = /^session="([0-9a-f]{16})"; Max-Age=3600; Path=\/; HttpOnly$/.exec(first.setCookie ?? "");
    expect(match, String(first.setCookie)).not.toBeNull();
    for (let i = 0; i < 20; i++) {
      const next = await send(callWith(sticky), `session=${match![1]}`);
      expect(next).toEqual({ subset: first.subset, setCookie: null });
    }
  });

  it("spreads new clients over the split, each routed by its own generated cookie", async () => {
    const subsets = new Set<string | undefined>();
    for (let i = 0; i < 40; i++) subsets.add((await send(callWith(sticky))).subset);
    expect(subsets).toEqual(new Set(["v1", "v3"]));
  });

  it("ttl 0s makes a session cookie; without ttl no cookie is generated", async () => {
    expect((await send(callWith({ httpCookie: { name: "s", ttl: "0s" } }))).setCookie).toMatch(/^s="[0-9a-f]{16}"; HttpOnly$/);
    expect((await send(callWith({ httpCookie: { name: "s" } }))).setCookie).toBeNull();
  });
});
