// Config shared per location, in the real runtime: isolates (test/fixtures/location-isolates)
// of one location share a Cache API cache and reach the real control plane's MeshPeer through
// the switchable control-proxy.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildWorker } from "../../local/build.mjs";
import { BOOKINFO_YAML, REVIEWS_SPLIT_YAML } from "../../test/fixtures/control-plane/bookinfo.ts";
import { CONTROL_WORKER, startControlPlane, type ControlPlane } from "../../test/harness/control-plane.ts";
import { locationSource } from "./location-source.ts";
import { StampUnsupportedError } from "./source.ts";

const ISOLATES = "location-isolates";
const PROXY = "control-proxy";
let cp: ControlPlane;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "isthmus-location-"));
  const [isolates, proxy] = await Promise.all([
    buildWorker("test/fixtures/location-isolates/worker.ts", join(dir, "location-isolates.mjs")),
    buildWorker("test/fixtures/control-proxy/worker.ts", join(dir, "control-proxy.mjs")),
  ]);
  const peer = { name: CONTROL_WORKER, entrypoint: "MeshPeer", props: { namespace: "istio-system", serviceAccount: "gateway" } };
  cp = await startControlPlane({
    workers: [
      { name: PROXY, modules: true, modulesRoot: dir, scriptPath: proxy, compatibilityDate: "2026-04-26", serviceBindings: { CONTROL: peer } },
      {
        name: ISOLATES,
        modules: true,
        modulesRoot: dir,
        scriptPath: isolates,
        compatibilityDate: "2026-04-26",
        bindings: { ADMIN_TOKEN: "test-admin-token" },
        serviceBindings: { ISTHMUS_CONTROL: { name: PROXY, entrypoint: "MeshPeer" }, PROXY, CONTROL_API: CONTROL_WORKER },
      },
    ],
  });
  await cp.request("/v1/apply", { body: BOOKINFO_YAML });
});

afterAll(async () => {
  await cp?.dispose();
  await rm(dir, { recursive: true, force: true });
});

const split = (subset: string) => REVIEWS_SPLIT_YAML.replace(/subset: v\d/g, `subset: ${subset}`);

async function scenario(name: string, body: Record<string, unknown>): Promise<any> {
  const response = await cp.worker(ISOLATES, `/${name}`, { method: "POST", body: JSON.stringify(body) });
  const text = await response.text();
  if (!response.ok) throw new Error(`${name}: ${response.status} ${text}`);
  return JSON.parse(text);
}

describe("locationSource", () => {
  it("brings a change to every isolate of a location, asking the control plane per location, not per isolate", async () => {
    const seen = await scenario("share", { location: "loc-share", isolates: 8, change: split("v2"), stampMs: 100, maxStaleMs: 5000 });
    expect(seen.views.every((view: any) => view.version === seen.version && !view.stale)).toBe(true);
    expect(seen.waitedMs).toBeLessThan(1000);
    // 8 isolates checking every 50 ms for over a second: a hundred checks or more, the
    // control plane asked for the stamp about once per 100 ms (each isolate alone: every check).
    expect(seen.checks).toBeGreaterThan(60);
    expect(seen.stampCalls).toBeLessThanOrEqual(22);
    expect(seen.stampCalls).toBeLessThan(seen.checks / 4);
    // The snapshot crossed to the location about once, not once per isolate.
    expect(seen.snapshotCalls).toBeLessThanOrEqual(2);
  });

  it("never goes back to an older version from a stale location cache, and flags a stamp past the max staleness", async () => {
    const seen = await scenario("stale-location", { location: "loc-stale", isolates: 3, change: split("v3"), stampMs: 100, maxStaleMs: 400 });
    expect(seen.version).toBeGreaterThan(seen.first);
    // A lagging cache's older stamp: ignored, the isolate asks the control plane and keeps the newer.
    for (const view of seen.behindCache) expect(view).toMatchObject({ version: seen.version, stale: false });
    // Control plane down, the location's stamp confirmed recently: not stale.
    for (const view of seen.recentStamp) expect(view).toMatchObject({ version: seen.version, stale: false });
    // Control plane down, only an old stamp of an older version: last-known-good kept, flagged stale.
    for (const view of seen.oldStamp) expect(view).toMatchObject({ version: seen.version, stale: true });
    for (const view of seen.recovered) expect(view).toMatchObject({ version: seen.version, stale: false });
  });
});

describe("locationSource against a control plane without the stamp (an older release)", () => {
  it("pulls snapshots itself, and asks for the stamp again after a minute", async () => {
    // The Cache API exists only in the runtime; the fallback never reaches the cache, so a Map stands in.
    const entries = new Map<string, Response>();
    const cache = { match: async (key: string) => entries.get(key)?.clone(), put: async (key: string, response: Response) => void entries.set(key, response) };
    let clock = 0;
    const calls = { stamp: 0, pulls: [] as unknown[] };
    const source = locationSource({
      cache,
      stamp: async () => {
        calls.stamp++;
        throw new StampUnsupportedError("the control plane has no snapshotStamp");
      },
      bodies: { pull: async (since) => (calls.pulls.push(since), { version: since.version + 1 }) },
      now: () => clock,
    });
    expect(await source.pull({ version: 4 })).toEqual({ version: 5 });
    clock += 59_000;
    expect(await source.pull({ version: 5 })).toEqual({ version: 6 });
    expect(calls).toEqual({ stamp: 1, pulls: [{ version: 4 }, { version: 5 }] });
    clock += 2_000;
    await source.pull({ version: 6 });
    expect(calls.stamp).toBe(2);
  });

  it("still fails the pull when the stamp is unreachable for another reason", async () => {
    const source = locationSource({
      cache: { match: async () => undefined, put: async () => {} },
      stamp: async () => {
        throw new Error("connection reset");
      },
      bodies: { pull: async () => ({ version: 1 }) },
    });
    await expect(source.pull({ version: 0 })).rejects.toMatchObject({ code: "control_plane_unreachable" });
  });
});
