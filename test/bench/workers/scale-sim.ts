// Simulated data-plane isolates in one Worker, for the scale section (test/bench/sections/scale.mjs).
// Each isolate is its own SnapshotCache (the data plane's real one, with its own state and
// refresh loop) over a real source against the real control plane, through a service binding:
// its HTTP data-plane API or MeshPeer over Workers RPC. One request simulates one location's
// isolates, as real isolates serve requests of their own; a location is a Cache API namespace
// (`caches.open("loc-K")`). A run with `control: false` is the same isolates and caches with the
// control plane answered from memory: the CPU baseline the control plane's share is measured
// against. What the simulation leaves out: isolates validate the snapshot's envelope only and
// do not compile it (1,000 isolates share one thread here; on Cloudflare each has its own), so
// propagation is not delayed by work that real isolates do in parallel.
import { SnapshotCache } from "../../../dataplane/config/cache.ts";
import { locationSource } from "../../../dataplane/config/location-source.ts";
import { httpSource, httpStamp, rpcSource, type MeshPeerStub, type SnapshotSource } from "../../../dataplane/config/source.ts";

interface Env {
  ISTHMUS_CONTROL: MeshPeerStub & { snapshotStamp(): Promise<unknown> };
  /** The control API (default entrypoint) through a service binding: the HTTP data-plane API without sockets. */
  CONTROL_API: Fetcher;
  ADMIN_TOKEN: string;
}

interface RunRequest {
  /** All isolates of the run, in `locations` locations; this request simulates the `count` isolates of location number `location`. */
  isolates: number;
  location: number;
  count: number;
  /** Epoch ms every group of the run counts from. */
  startAt: number;
  locations: number;
  /** "isolate": every isolate pulls `since` itself (today); "location": stamp + snapshots by hash per location. */
  mode: "isolate" | "location";
  /** False: the control plane is answered from memory (the CPU baseline). */
  control: boolean;
  /** "rpc": MeshPeer over Workers RPC; "http": GET /v1/snapshot and /v1/snapshot/stamp through the service binding. */
  transport: "rpc" | "http";
  refreshMs: number;
  stampMs: number;
  /** Cold starts are spread over this many ms. */
  rampMs: number;
  seconds: number;
}

interface Envelope {
  version: number;
  epoch?: string;
  hash: string;
}

const BUCKET_MS = 100;

/** Control-plane requests the isolates made, by kind, in BUCKET_MS buckets from the run's start. */
class RequestLog {
  readonly buckets: Record<string, number[]> = {};
  constructor(private readonly startedAt: number) {}
  count(kind: string): void {
    const bucket = Math.floor((Date.now() - this.startedAt) / BUCKET_MS);
    const series = (this.buckets[kind] ??= []);
    while (series.length <= bucket) series.push(0);
    series[bucket]!++;
  }
  /** Total ms and count of an operation's calls (the location cache's, in Miniflare's emulation; workerd's clock moves with I/O). */
  readonly timings: Record<string, { ms: number; calls: number }> = {};
  timed<T extends unknown[], R>(kind: string, call: (...args: T) => Promise<R>): (...args: T) => Promise<R> {
    return async (...args) => {
      const started = performance.now();
      try {
        return await call(...args);
      } finally {
        const timing = (this.timings[kind] ??= { ms: 0, calls: 0 });
        timing.ms += performance.now() - started;
        timing.calls++;
      }
    };
  }
  counted<T extends unknown[], R>(kind: string, call: (...args: T) => Promise<R>): (...args: T) => Promise<R> {
    return (...args) => {
      this.count(kind);
      return call(...args);
    };
  }
}

// Keeps the envelope only: 1,000 parsed snapshots would not fit one isolate's heap (each real isolate holds its own).
async function acceptEnvelope(raw: unknown): Promise<Envelope> {
  const { version, epoch, hash } = raw as Envelope;
  if (typeof version !== "number" || typeof hash !== "string") throw new Error("not a snapshot");
  return epoch === undefined ? { version, hash } : { version, epoch, hash };
}

const IDLE_SNAPSHOT = { version: 1, hash: "0".repeat(64) };

async function run(spec: RunRequest, env: Env, waitUntil: (promise: Promise<unknown>) => void): Promise<unknown> {
  const startedAt = spec.startAt;
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, startedAt - Date.now())));
  const log = new RequestLog(startedAt);
  const viaBinding = (request: Request) => env.CONTROL_API.fetch(request);
  const http = spec.transport === "http";
  const direct: SnapshotSource = !spec.control
    ? { pull: async (since) => (since.version ? null : IDLE_SNAPSHOT) }
    : http ? httpSource("http://control.internal", env.ADMIN_TOKEN, viaBinding) : rpcSource(env.ISTHMUS_CONTROL);
  const httpStampOf = httpStamp("http://control.internal", env.ADMIN_TOKEN, viaBinding);
  const bodies: SnapshotSource = { pull: log.counted("snapshot", (since) => direct.pull(since)) };
  const stamp = log.counted("stamp", async () => (!spec.control ? IDLE_SNAPSHOT : http ? httpStampOf() : env.ISTHMUS_CONTROL.snapshotStamp()));
  /** Per isolate: [version, ms since start] each time it applied one. */
  const applied: [number, number][][] = [];
  const isolates = Array.from({ length: spec.count }, (_, k) => {
    applied.push([]);
    const location = `loc-${spec.location}`;
    const cache = {
      match: log.timed("cache", async (key: string) => (await caches.open(location)).match(key)),
      put: log.timed("cache", async (key: string, response: Response) => (await caches.open(location)).put(key, response)),
    };
    const source = spec.mode === "location" ? locationSource({ cache, stamp, bodies, stampMs: spec.stampMs }) : bodies;
    return new SnapshotCache<Envelope, null>({
      source,
      refreshMs: spec.refreshMs,
      activeMs: 2 * spec.refreshMs,
      accept: acceptEnvelope,
      compile: (snapshot) => {
        applied[k]!.push([snapshot.version, Date.now() - startedAt]);
        return null;
      },
    });
  });
  const errors: string[] = [];
  // Isolates start spread over rampMs, as real ones do, not in lockstep.
  const started = new Set<number>();
  const endAt = startedAt + spec.seconds * 1000;
  while (Date.now() < endAt) {
    const elapsed = Date.now() - startedAt;
    isolates.forEach((cache, i) => {
      const startAt = ((i * spec.locations + spec.location) * spec.rampMs) / spec.isolates;
      if (elapsed < startAt) return;
      if (!started.has(i)) {
        started.add(i);
        cache.current(waitUntil).catch((error) => errors.length < 5 && errors.push(String(error)));
        return;
      }
      cache.ready(waitUntil);
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const stale = isolates.filter((cache) => cache.stale).length;
  return { startedAt, bucketMs: BUCKET_MS, requests: log.buckets, timings: log.timings, applied, stale, errors };
}

interface BurstRequest {
  /** "stamp": the stamp; "unchanged": a pull `since` the current version; "snapshot": a full pull. */
  kind: "stamp" | "unchanged" | "snapshot";
  transport: "rpc" | "http";
  concurrency: number;
  ms: number;
}

/** Back-to-back control-plane requests of one kind for `ms`: how many were answered. */
async function burst(spec: BurstRequest, env: Env): Promise<{ requests: number }> {
  const viaBinding = (request: Request) => env.CONTROL_API.fetch(request);
  const http = spec.transport === "http";
  const source = http ? httpSource("http://control.internal", env.ADMIN_TOKEN, viaBinding) : rpcSource(env.ISTHMUS_CONTROL);
  const stamp = http ? httpStamp("http://control.internal", env.ADMIN_TOKEN, viaBinding) : () => env.ISTHMUS_CONTROL.snapshotStamp();
  const current = (await stamp()) as Envelope;
  const call = {
    stamp: () => stamp(),
    unchanged: () => source.pull({ version: current.version, ...(current.epoch ? { epoch: current.epoch } : {}) }),
    snapshot: () => source.pull({ version: 0 }),
  }[spec.kind];
  const endAt = Date.now() + spec.ms;
  let requests = 0;
  await Promise.all(Array.from({ length: spec.concurrency }, async () => {
    while (Date.now() < endAt) {
      await call();
      requests++;
    }
  }));
  return { requests };
}

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    if (request.method !== "POST") return new Response("POST a run", { status: 405 });
    if (new URL(request.url).pathname === "/burst") return Response.json(await burst((await request.json()) as BurstRequest, env));
    const spec = (await request.json()) as RunRequest;
    return Response.json(await run(spec, env, (promise) => ctx.waitUntil(promise)));
  },
};
