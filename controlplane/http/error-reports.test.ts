// Uncaught errors in the control plane reach Sentry (a local ingest endpoint here) through
// toucan-js, without the caller's credentials.
import { Miniflare } from "miniflare";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { workerFromConfig } from "../../local/worker-options.mjs";

const ADMIN = "error-report-admin-token";
const envelopes: string[] = [];
let server: Server;
let mf: Miniflare;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      if (req.url?.includes("/envelope/")) envelopes.push(body);
      res.end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const control = await workerFromConfig("wrangler.toml", { buildDir: await mkdtemp(join(tmpdir(), "isthmus-errors-")) });
  // Without its Telemetry Durable Object the stats route fails unexpectedly: an uncaught error.
  const { TELEMETRY: _dropped, ...durableObjects } = control.options.durableObjects;
  mf = new Miniflare({
    workers: [
      {
        ...control.options,
        modulesRoot: dirname(control.options.scriptPath),
        durableObjects,
        bindings: { ...control.options.bindings, ISTHMUS_ADMIN_TOKEN: ADMIN, SENTRY_DSN: `http://publickey@127.0.0.1:${port}/7` },
      },
    ],
  });
  await mf.ready;
});

afterAll(async () => {
  await mf?.dispose();
  await new Promise((resolve) => server?.close(resolve));
});

it("answers 500 in the error shape and reports the error to Sentry without the token", async () => {
  const res = await mf.dispatchFetch("http://control/v1/stats?service=reviews", { headers: { authorization: `Bearer ${ADMIN}` } });
  expect(res.status).toBe(500);
  expect(await res.json()).toEqual({ error: { code: "internal", message: "internal error", details: [] } });
  for (let i = 0; i < 50 && envelopes.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
  expect(envelopes).toHaveLength(1);
  expect(envelopes[0]).toContain("isthmus-control");
  expect(envelopes[0]).not.toContain(ADMIN);
});
