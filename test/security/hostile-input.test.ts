// The hostile-input matrix (issue #14): every case from test/security/hostile/*.ts against
// one real mesh (control plane, gateway, meshed services on workerd, real bindings and
// Durable Object storage). Each case must be refused with its 4xx and reason, never a 5xx,
// never reach the handler it targets, and never store anything. Prints its totals.
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { proofRequest } from "../../dataplane/security/proof-request.ts";
import { requestProof } from "../../dataplane/security/proofs.ts";
import { generateWorkloadKey, type WorkloadKey } from "../../dataplane/security/workload-key.ts";
import { kindByName } from "../../resources/kinds.ts";
import { BASE_CONFIG } from "./config.ts";
import type { HostileCase, HostileClass } from "./hostile/case.ts";
import { spiffe, startSecurityMesh, type SecurityMesh } from "./mesh.ts";

const dir = fileURLToPath(new URL("./hostile/", import.meta.url));
// HOSTILE_CLASS=<file name without .ts> runs one class alone (while working on it).
const only = process.env.HOSTILE_CLASS;
const classFiles = readdirSync(dir)
  .filter((f) => f.endsWith(".ts") && f !== "case.ts" && !f.endsWith(".test.ts"))
  .filter((f) => !only || f === `${only}.ts`)
  .sort();
const classes: [string, HostileClass][] = await Promise.all(
  classFiles.map(async (file) => [file.replace(/\.ts$/, ""), (await import(`./hostile/${file}`)).default as HostileClass] as [string, HostileClass]),
);

const tally = { refused: 0, failed: 0, byClass: new Map<string, number>() };
let mesh: SecurityMesh;

beforeAll(async () => {
  mesh = await startSecurityMesh({ refreshMs: 300, vars: { ISTHMUS_JWKS_MIN_REFETCH_MS: "0" } });
  await settleAll(await mesh.apply(BASE_CONFIG));
});
afterAll(async () => {
  const lines = [...tally.byClass].map(([name, count]) => `  ${name.padEnd(28)} ${count}`);
  process.stdout.write(`hostile-input matrix: ${tally.refused} refused as expected, ${tally.failed} not\n${lines.join("\n")}\n`);
  await mesh?.dispose();
});

async function settleAll(version: number): Promise<void> {
  for (const worker of ["isthmus-gateway", "target-v1", "front-v1", "other-v1"]) await mesh.settle(worker, version);
}

// The probe proves possession of its key, so it also counts a Worker under proof-of-possession.
let probeKey: Promise<WorkloadKey> | undefined;

async function invocations(worker: string): Promise<number> {
  const sa = worker.replace(/-v1$/, "");
  const key = await (probeKey ??= generateWorkloadKey());
  const svid = await mesh.svid(spiffe(sa), { publicKey: key.publicJwk });
  // With the (empty) body's digest: a callee that does not ask for one ignores it.
  const proof = await requestProof(key, await proofRequest(new Request("http://mesh.test:8080/invocations"), { bodyDigest: true }), svid);
  const response = await mesh.send(worker, "/invocations", { headers: { "x-isthmus-svid": svid, "x-isthmus-proof": proof } });
  const body = (await response.json()) as { invocations: number };
  return body.invocations;
}

/** What the control plane holds: the newest revision and the snapshot version. */
async function stored(): Promise<string> {
  const revisions = (await (await mesh.control("/v1/revisions?limit=1")).json()) as { items: { revision?: number; number?: number }[] };
  const snapshot = (await (await mesh.control("/v1/snapshot")).json()) as { version: number };
  const endpoints = (await (await mesh.control("/v1/registry/endpoints")).json()) as { items: unknown[] };
  return JSON.stringify({ revision: revisions.items[0], version: snapshot.version, endpoints: endpoints.items.length });
}

function reasonOf(response: Response, body: string): string | undefined {
  try {
    const error = (JSON.parse(body) as { error?: { code?: string; reason?: string } }).error;
    if (error) return error.reason ?? error.code;
  } catch {
    /* not JSON: fall back to the header */
  }
  return response.headers.get("x-isthmus-error") ?? undefined;
}

async function resourcesOf(yaml: string): Promise<string[]> {
  return parseAllDocuments(yaml)
    .map((doc) => doc.toJS() as { kind: string; metadata: { name: string; namespace?: string } } | null)
    .filter((doc): doc is NonNullable<typeof doc> => !!doc)
    .map((doc) => `${doc.metadata.namespace ?? "default"}/${kindByName(doc.kind)!.plural}/${doc.metadata.name}`);
}

async function runCase(c: HostileCase): Promise<void> {
  const statuses = typeof c.expect.status === "number" ? [c.expect.status] : [...c.expect.status];
  const handlerBefore = c.handler ? await invocations(c.handler) : 0;
  const before = c.handler ? "" : await stored();
  const response = await c.send(mesh);
  const body = await response.text();
  const where = `${c.class}: ${c.name} -> ${response.status} ${body.slice(0, 300)}`;
  // A 5xx passes only where the case names it and its reason (the mesh's 502 for an answer it could not authenticate).
  const named5xx = response.status >= 500 && statuses.includes(response.status) && c.expect.reason !== undefined;
  if (!named5xx) expect(response.status, where).toBeLessThan(500);
  expect(statuses, where).toContain(response.status);
  if (c.expect.reason !== undefined) expect(reasonOf(response, body), where).toBe(c.expect.reason);
  if (c.handler) expect(await invocations(c.handler), `${where}: the handler ran`).toBe(handlerBefore + 1);
  else expect(await stored(), `${where}: something was stored`).toBe(before);
  await c.after?.(mesh, response, body);
}

for (const [file, hostile] of classes) {
  describe(file, () => {
    beforeAll(async () => {
      if (hostile.config) await settleAll(await mesh.apply(hostile.config));
      await hostile.setup?.(mesh);
    });
    afterAll(async () => {
      if (!hostile.config) return;
      let version = 0;
      for (const path of await resourcesOf(hostile.config)) version = await mesh.remove(path);
      await settleAll(version);
    });
    for (const c of hostile.cases) {
      it(`${c.class}: ${c.name}`, async () => {
        try {
          await runCase(c);
          tally.refused++;
          tally.byClass.set(c.class, (tally.byClass.get(c.class) ?? 0) + 1);
        } catch (error) {
          tally.failed++;
          throw error;
        }
      });
    }
  });
}

it.runIf(!only)("the matrix holds at least 250 cases", () => {
  expect(classes.reduce((n, [, c]) => n + c.cases.length, 0)).toBeGreaterThanOrEqual(250);
});
