import { describe, expect, it } from "vitest";
import { requestUrl } from "../request-url.ts";
import type { OutboundCall } from "./call.ts";
import { editRoute, editUpstreamHeaders, routedRequest, upstreamRequest } from "./upstream-request.ts";

const call = () => ({ flags: [], attempts: 0 }) as unknown as OutboundCall;

describe("upstreamRequest", () => {
  it("sends the request as it is when no layer asked for a change", () => {
    const request = new Request("http://reviews/a", { headers: { "x-a": "1" } });
    const c = call();
    expect(upstreamRequest(request, c)).toBe(request);
    expect(routedRequest(request, c)).toBe(request);
  });

  it("applies every layer's header edits in one copy, removals first, and keeps the URL's parse", () => {
    const request = new Request("http://reviews/a?b=1", { method: "POST", body: "x", headers: { "x-isthmus-svid": "old", "x-keep": "1" } });
    const parsed = requestUrl(request);
    const c = call();
    editUpstreamHeaders(c).remove.push("x-isthmus-svid");
    editUpstreamHeaders(c).set.push(["x-isthmus-svid", "new"], ["traceparent", "00-1-2-00"]);
    const sent = upstreamRequest(request, c);
    expect(Object.fromEntries(sent.headers)).toEqual({ "content-type": "text/plain;charset=UTF-8", traceparent: "00-1-2-00", "x-isthmus-svid": "new", "x-keep": "1" });
    expect([sent.method, sent.url]).toEqual(["POST", "http://reviews/a?b=1"]);
    expect(requestUrl(sent)).toBe(parsed);
  });

  it("consumes an attempt's edits: a retry re-adds its own, nothing left from the last", () => {
    const request = new Request("http://reviews/a");
    const c = call();
    editUpstreamHeaders(c).set.push(["x-isthmus-nonce", "first"]);
    expect(upstreamRequest(request, c).headers.get("x-isthmus-nonce")).toBe("first");
    expect(upstreamRequest(request, c)).toBe(request);
    editUpstreamHeaders(c).set.push(["x-isthmus-nonce", "second"]);
    expect(upstreamRequest(request, c).headers.get("x-isthmus-nonce")).toBe("second");
  });
});

describe("routedRequest", () => {
  it("applies the rewritten URL and the route's header operations in one copy, with the body", async () => {
    const request = new Request("http://reviews/app/x?q=1", { method: "PUT", body: "payload", headers: { "x-drop": "1" } });
    const c = call();
    const edits = editRoute(c);
    edits.url = new URL("http://ratings:9080/x?q=1");
    edits.set.push(["x-forwarded-host", "reviews"]);
    edits.operations.push((headers) => (headers.delete("x-drop"), headers.append("x-trail", "gw")));
    const routed = routedRequest(request, c);
    expect([routed.method, routed.url, routed.headers.get("x-forwarded-host"), routed.headers.get("x-drop"), routed.headers.get("x-trail")]).toEqual([
      "PUT",
      "http://ratings:9080/x?q=1",
      "reviews",
      null,
      "gw",
    ]);
    expect(requestUrl(routed)).toBe(edits.url);
    expect(await routed.text()).toBe("payload");
    expect(c.routeEdits).toBeUndefined();
  });
});
