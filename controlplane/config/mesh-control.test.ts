import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { snapshotContentHash } from "../../contracts/snapshot/content-hash.ts";
import { snapshotSchema, type Snapshot } from "../../contracts/snapshot/schema.ts";
import { acceptSnapshot } from "../../dataplane/config/accept.ts";
import { SnapshotCache, STORE_KEY } from "../../dataplane/config/cache.ts";
import { httpSource } from "../../dataplane/config/source.ts";
import { BOOKINFO_YAML, REVIEWS_SPLIT_YAML } from "../../test/fixtures/control-plane/bookinfo.ts";
import { CONTROL_WORKER, startControlPlane, type ControlPlane } from "../../test/harness/control-plane.ts";
import type { ErrorAnswer } from "../../test/support/error-answer.ts";

// A data-plane Worker that reaches the control plane only through its MeshPeer binding.
const PEER_CLIENT = `
export default {
  async fetch(request, env) {
    if (new URL(request.url).pathname === "/stamp") return Response.json(await env.MESH.snapshotStamp());
    const since = new URL(request.url).searchParams.get("since");
    const snapshot = await env.MESH.snapshot(since === null ? undefined : since.includes(":") ? since : Number(since));
    return Response.json({ snapshot });
  },
};`;

async function json(response: Response | Promise<Response>): Promise<any> {
  return (await response).json();
}

describe("snapshots, registry and MeshPeer RPC", () => {
  let cp: ControlPlane;
  beforeAll(async () => {
    cp = await startControlPlane({
      workers: [
        {
          name: "peer-client",
          modules: true,
          script: PEER_CLIENT,
          compatibilityDate: "2026-04-26",
          serviceBindings: { MESH: { name: CONTROL_WORKER, entrypoint: "MeshPeer", props: { namespace: "default", serviceAccount: "bookinfo-reviews" } } },
        },
      ],
    });
  });
  afterAll(() => cp?.dispose());

  it("versions the snapshot: 304 when not newer, a new version and hash after a change, the same hash for the same content", async () => {
    const empty = await json(cp.request("/v1/snapshot"));
    expect(snapshotSchema.parse(empty)).toEqual(empty);
    expect((await cp.request(`/v1/snapshot?since=${empty.version}`)).status).toBe(304);

    await cp.request("/v1/apply", { body: BOOKINFO_YAML });
    const response = await cp.request(`/v1/snapshot?since=${empty.version}`);
    expect(response.status).toBe(200);
    const base = await response.json<Snapshot>();
    expect(base.version).toBeGreaterThan(empty.version);
    expect(base.hash).not.toBe(empty.hash);
    expect(base.hash).toBe(await snapshotContentHash(base));
    expect(response.headers.get("etag")).toBe(`"${base.hash}"`);
    expect(response.headers.get("x-isthmus-snapshot")).toBe(String(base.version));
    expect(base.resources.map((r: any) => `${r.kind}/${r.metadata.name}`)).toEqual([
      "DestinationRule/reviews",
      "ServiceEntry/ratings",
      "ServiceEntry/reviews",
      "VirtualService/ratings",
      "VirtualService/reviews",
    ]);
    expect((await cp.request("/v1/snapshot", { headers: { "if-none-match": `"${base.hash}"` } })).status).toBe(304);

    const baseRevision = (await json(cp.request("/v1/revisions?limit=1"))).items[0].number;
    await cp.request("/v1/apply", { body: REVIEWS_SPLIT_YAML });
    const split = await json(cp.request(`/v1/snapshot?since=${base.version}`));
    expect(split.hash).not.toBe(base.hash);
    await cp.request("/v1/rollback", { body: { revision: baseRevision } });
    const back = await json(cp.request(`/v1/snapshot?since=${split.version}`));
    expect(back.version).toBeGreaterThan(split.version);
    expect(back.hash).toBe(base.hash);

    // An apply that changes nothing moves nothing.
    await cp.request("/v1/apply", { body: BOOKINFO_YAML });
    expect((await cp.request(`/v1/snapshot?since=${back.version}`)).status).toBe(304);
  });

  it("serves the snapshot over MeshPeer RPC to a Worker bound with props", async () => {
    const current = await json(cp.request("/v1/snapshot"));
    const viaRpc = await json(cp.worker("peer-client", "/"));
    expect(viaRpc.snapshot).toEqual(current);
    expect((await json(cp.worker("peer-client", `/?since=${current.version}`))).snapshot).toBeNull();
    expect((await json(cp.worker("peer-client", `/?since=${current.version - 1}`))).snapshot.version).toBe(current.version);
  });

  it("serves the snapshot's stamp (epoch, version, hash) over MeshPeer RPC and GET /v1/snapshot/stamp", async () => {
    const current = await json(cp.request("/v1/snapshot"));
    const stamp = { version: current.version, epoch: current.epoch, hash: current.hash };
    expect(await json(cp.worker("peer-client", "/stamp"))).toEqual(stamp);
    expect(await json(cp.request("/v1/snapshot/stamp"))).toEqual(stamp);
    expect((await cp.request("/v1/snapshot/stamp", { token: null })).status).toBe(401);
  });

  it("writes the last-known-good snapshot to KV itself, the latest of a burst of changes", async () => {
    const namespace = await cp.mf.getKVNamespace("ISTHMUS_SNAPSHOTS");
    for (const subset of ["v1", "v2", "v3", "v1", "v3"]) {
      await cp.request("/v1/apply", { body: REVIEWS_SPLIT_YAML.replace(/subset: v\d/g, `subset: ${subset}`) });
    }
    const latest = await json(cp.request("/v1/snapshot"));
    let stored: any;
    for (let attempt = 0; attempt < 60 && stored?.version !== latest.version; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      stored = JSON.parse((await namespace.get(STORE_KEY)) ?? "null");
    }
    expect(stored).toEqual(latest);
  });

  it("names the storage's epoch in the snapshot; since=<epoch>:<version> of another epoch always gets it", async () => {
    const current = await json(cp.request("/v1/snapshot"));
    expect(current.epoch).toMatch(/^[0-9a-f]{16}$/);
    expect((await cp.request(`/v1/snapshot?since=${current.epoch}:${current.version}`)).status).toBe(304);
    const wiped = await cp.request(`/v1/snapshot?since=0123456789abcdef:${current.version + 100}`);
    expect(wiped.status).toBe(200);
    expect(wiped.headers.get("x-isthmus-snapshot-epoch")).toBe(current.epoch);
    expect(await wiped.json()).toEqual(current);
    expect((await cp.request(`/v1/snapshot?since=${current.version + 100}`)).status).toBe(304); // no epoch: versions compare
    expect((await cp.request("/v1/snapshot?since=x:y")).status).toBe(400);
    expect((await json(cp.worker("peer-client", `/?since=${current.epoch}:${current.version}`))).snapshot).toBeNull();
    expect((await json(cp.worker("peer-client", `/?since=other:${current.version + 100}`))).snapshot.version).toBe(current.version);
  });

  it("adds registered endpoints to their ServiceEntry and marks them unhealthy once their TTL lapses", async () => {
    const registered = await cp.request("/v1/registry/endpoints", {
      body: { service: "reviews", address: "worker://reviews-v3", labels: { version: "v3" }, ttlSeconds: 1 },
    });
    expect(registered.status).toBe(201);
    const endpoint = await registered.json<{ id: string }>();
    expect(endpoint).toMatchObject({ namespace: "default", service: "reviews", healthy: true, ttlSeconds: 1 });

    const key = "default/reviews/worker://reviews-v3";
    const live = await json(cp.request("/v1/snapshot"));
    expect(live.endpointHealth[key]).toMatchObject({ healthy: true });
    const entry = live.resources.find((r: any) => r.kind === "ServiceEntry" && r.metadata.name === "reviews");
    expect(entry.spec.endpoints).toContainEqual({ address: "worker://reviews-v3", labels: { version: "v3" } });

    let lapsed = live;
    for (let attempt = 0; attempt < 40 && lapsed.endpointHealth[key].healthy; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      const response = await cp.request(`/v1/snapshot?since=${lapsed.version}`);
      if (response.status === 200) lapsed = await response.json();
      else await response.body?.cancel();
    }
    expect(lapsed.endpointHealth[key].healthy).toBe(false);
    expect(lapsed.version).toBeGreaterThan(live.version);

    const beat = await cp.request(`/v1/registry/endpoints/${endpoint.id}/heartbeat`, { method: "POST" });
    expect((await beat.json<{ healthy: boolean }>()).healthy).toBe(true);
    const revived = await json(cp.request(`/v1/snapshot?since=${lapsed.version}`));
    expect(revived.endpointHealth[key].healthy).toBe(true);

    const removed = await cp.request(`/v1/registry/endpoints/${endpoint.id}`, { method: "DELETE" });
    expect(removed.status).toBe(200);
    const after = await json(cp.request(`/v1/snapshot?since=${revived.version}`));
    expect(after.endpointHealth[key]).toBeUndefined();
    expect((await cp.request(`/v1/registry/endpoints/${endpoint.id}/heartbeat`, { method: "POST" })).status).toBe(404);
  });

  it("marks a silent endpoint unhealthy by alarm, with no request in between", async () => {
    const namespace = await cp.mf.getDurableObjectNamespace("MESH_CONTROL", CONTROL_WORKER);
    const stub = namespace.get(namespace.idFromName("mesh")) as unknown as { snapshotVersion(): Promise<number> };
    await cp.request("/v1/registry/endpoints", { body: { service: "ratings", address: "worker://ratings-v2", ttlSeconds: 1 } });
    const registered = await stub.snapshotVersion();
    await new Promise((resolve) => setTimeout(resolve, 2500));
    // snapshotVersion() only reads the counter: a higher one means the alarm did the work.
    expect(await stub.snapshotVersion()).toBe(registered + 1);
    const snapshot = await json(cp.request("/v1/snapshot"));
    expect(snapshot.endpointHealth["default/ratings/worker://ratings-v2"].healthy).toBe(false);
  });

  it("refuses an endpoint address the data plane could not reach", async () => {
    const response = await cp.request("/v1/registry/endpoints", { body: { service: "reviews", address: "ftp://x" } });
    expect(response.status).toBe(400);
    expect((await response.json<ErrorAnswer>()).error.details[0].path).toBe("address");
  });

  it("puts revoked identities into the next snapshot", async () => {
    const before = await json(cp.request("/v1/snapshot"));
    const namespace = await cp.mf.getDurableObjectNamespace("MESH_CONTROL", CONTROL_WORKER);
    const stub = namespace.get(namespace.idFromName("mesh")) as unknown as { setRevokedIdentities(ids: string[]): Promise<number> };
    const version = await stub.setRevokedIdentities(["spiffe://cluster.local/ns/default/sa/bookinfo-ratings"]);
    expect(version).toBeGreaterThan(before.version);
    const after = await json(cp.request(`/v1/snapshot?since=${before.version}`));
    expect(after.revokedIdentities).toEqual(["spiffe://cluster.local/ns/default/sa/bookinfo-ratings"]);
    expect(await stub.setRevokedIdentities(["spiffe://cluster.local/ns/default/sa/bookinfo-ratings"])).toBe(version);
  });
});

describe("persistence", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "isthmus-persist-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("keeps resources, history, tokens and the snapshot across a runtime restart", async () => {
    const first = await startControlPlane({ persistDir: dir });
    let token: string;
    let snapshot: any;
    try {
      await first.request("/v1/apply", { body: BOOKINFO_YAML });
      token = (await json(first.request("/v1/tokens", { body: { name: "ci", role: "viewer" } }))).token;
      snapshot = await json(first.request("/v1/snapshot"));
    } finally {
      await first.dispose();
    }
    const second = await startControlPlane({ persistDir: dir });
    try {
      const reviews = await second.request("/v1/namespaces/default/virtualservices/reviews", { token });
      expect(reviews.status).toBe(200);
      expect((await reviews.json<{ spec: { hosts: string[] } }>()).spec.hosts).toEqual(["reviews"]);
      expect((await json(second.request("/v1/revisions"))).items).toHaveLength(1);
      const again = await json(second.request("/v1/snapshot"));
      expect(again).toEqual(snapshot);
    } finally {
      await second.dispose();
    }
  });
});

describe("epochs: the control plane's state wiped", () => {
  it("a data plane holding a higher version of the old epoch takes the new control plane's snapshot, warm or cold from KV", async () => {
    let cp = await startControlPlane();
    let down = false;
    const source = httpSource("http://control.test", cp.adminToken, async (request) => {
      if (down) throw new Error("control plane unreachable");
      return (await cp.mf.dispatchFetch(request.url, { headers: Object.fromEntries(request.headers) })) as unknown as Response;
    });
    // The data plane's KV namespace: it outlives the control plane's wipe. The control plane writes it.
    const kv = new Map<string, string>();
    const store = { get: async (key: string) => kv.get(key) ?? null };
    const lastKnownGood = async (version: (stored: any) => boolean) => {
      const namespace = await cp.mf.getKVNamespace("ISTHMUS_SNAPSHOTS");
      for (let attempt = 0; attempt < 100; attempt++) {
        const text = await namespace.get(STORE_KEY);
        if (text && version(JSON.parse(text))) return kv.set(STORE_KEY, text);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error("the control plane did not write last-known-good");
    };
    const pending: Promise<unknown>[] = [];
    const waitUntil = (promise: Promise<unknown>) => void pending.push(promise);
    // Revalidates on a request once the last check is 1 ms old, and keeps no loop running after it.
    const dataPlane = () => new SnapshotCache({ source, store, refreshMs: 1, activeMs: 0, accept: acceptSnapshot, compile: (s) => s.version });
    const sleep = () => new Promise((resolve) => setTimeout(resolve, 5));
    const drain = async () => {
      while (pending.length > 0) await Promise.all(pending.splice(0));
    };
    let old: any;
    const warm = dataPlane();
    try {
      await cp.request("/v1/apply", { body: BOOKINFO_YAML });
      await cp.request("/v1/apply", { body: REVIEWS_SPLIT_YAML });
      old = (await warm.current(waitUntil)).snapshot;
      await drain();
      expect(old.version).toBeGreaterThan(2);
      await lastKnownGood((stored) => stored.version === old.version && stored.epoch === old.epoch);
    } finally {
      await cp.dispose();
    }

    cp = await startControlPlane(); // no persistence: a wiped control plane, counting again from 1
    try {
      await cp.request("/v1/apply", { body: BOOKINFO_YAML });
      const fresh = await json(cp.request("/v1/snapshot"));
      expect(fresh.version).toBeLessThan(old.version);
      expect(fresh.epoch).not.toBe(old.epoch);

      // A cold isolate starts from the KV copy while the control plane is unreachable...
      down = true;
      const cold = dataPlane();
      expect((await cold.current(waitUntil)).snapshot.version).toBe(old.version);
      await drain();
      down = false;
      // ...and, like the warm one, takes the new epoch's lower version once it answers.
      for (const cache of [warm, cold]) {
        await sleep();
        await cache.current(waitUntil);
        await drain();
        const view = await cache.current(waitUntil);
        expect(view.snapshot).toEqual(fresh);
        expect(view.stale).toBe(false);
      }
      await drain();
      await lastKnownGood((stored) => stored.epoch === fresh.epoch && stored.version === fresh.version);
    } finally {
      await cp.dispose();
    }
  });
});
