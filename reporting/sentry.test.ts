import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { captureError } from "./sentry.ts";

// A local Sentry ingest endpoint: records each envelope POSTed to /api/<project>/envelope/.
let server: Server;
let port: number;
const envelopes: { path: string; body: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      envelopes.push({ path: req.url ?? "", body });
      res.writeHead(200, { "content-type": "application/json" }).end('{"id":"x"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const JWT = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJzcGlmZmU6Ly9jbHVzdGVyLmxvY2FsIn0.sigsigsig";
const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";

describe("captureError", () => {
  it("does nothing without a DSN", () => {
    expect(captureError({}, { waitUntil: () => {} }, new Request("http://x/"), new Error("boom"))).toBeNull();
  });

  it("posts an envelope with the trace id tag and no credentials", async () => {
    const waited: Promise<unknown>[] = [];
    const request = new Request(`http://gateway.local/productpage?jwt=${JWT}&ok=1`, {
      headers: {
        authorization: `Bearer ${JWT}`,
        cookie: "session=topsecret",
        "x-isthmus-join-token": "jointoken-abcdef",
        "user-agent": "test-agent",
        traceparent: `00-${TRACE}-00f067aa0ba902b7-01`,
      },
    });
    const id = captureError(
      { SENTRY_DSN: `http://publickey@127.0.0.1:${port}/42` },
      { waitUntil: (p) => void waited.push(p) },
      request,
      new Error(`upstream refused token ${JWT}`),
      { traceId: TRACE, workload: "istio-ingressgateway" },
    );
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    await Promise.all(waited);
    expect(envelopes).toHaveLength(1);
    expect(envelopes[0].path).toMatch(/^\/api\/42\/envelope\//);
    const [, , eventLine] = envelopes[0].body.split("\n");
    const event = JSON.parse(eventLine);
    expect(event.event_id).toBe(id);
    expect(event.tags.trace_id).toBe(TRACE);
    expect(event.exception.values[0].value).toBe("upstream refused token [redacted]");
    expect(event.request.headers["user-agent"]).toBe("test-agent");
    for (const secret of [JWT, "eyJ", "topsecret", "jointoken-abcdef", "Bearer"]) expect(envelopes[0].body).not.toContain(secret);
  });
});
