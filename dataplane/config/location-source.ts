import { isNewer, type SnapshotSince } from "../../contracts/snapshot/since.ts";
import type { SnapshotStamp } from "../../contracts/snapshot/stamp.ts";
import { readSnapshotStamp, snapshotStampOf } from "./snapshot-shape.ts";
import { ControlPlaneUnreachableError, StampUnsupportedError, type SnapshotSource } from "./source.ts";

/** The slice of the Cache API used: one location's cache (`caches.open(name)`). */
export interface LocationCache {
  match(key: string): Promise<Response | undefined>;
  put(key: string, response: Response): Promise<void>;
}

export interface LocationSourceOptions {
  cache: LocationCache;
  /** The control plane's current stamp (`MeshPeer.snapshotStamp()` or `GET /v1/snapshot/stamp`); StampUnsupportedError from an older control plane makes the isolate pull snapshots itself for a minute. */
  stamp(): Promise<unknown>;
  /** Where a snapshot comes from when the location has not cached its hash yet. */
  bodies: SnapshotSource;
  /**
   * A location's stamp younger than this is used without asking the control plane (default
   * 250 ms); each check adds up to half of it at random, so that the location's isolates do
   * not all find the stamp expired at the same moment.
   */
  stampMs?: number;
  /**
   * While the control plane cannot be reached, a location's stamp up to this old still
   * counts (another isolate confirmed it); an older one fails the pull, so the isolate keeps
   * its last-known-good flagged stale (default 10 000 ms).
   */
  maxStaleMs?: number;
  now?: () => number;
  /** In [0, 1); the jitter's source. */
  random?: () => number;
}

/** The location's stamp entry: when the control plane vouched for it, and who is renewing it. */
interface StampEntry {
  stamp: SnapshotStamp;
  checkedAt: number;
  /** An isolate is asking the control plane until then: others use this stamp meanwhile. */
  renewingUntil?: number;
}

const STAMP_KEY = "https://isthmus.internal/snapshot/stamp";
// After a control plane without the stamp (an older release), how long the isolate pulls
// snapshots itself before it asks for the stamp again (the control plane may be upgraded by then).
const STAMPLESS_MS = 60_000;
// The hash covers content only (a change and its undo share one), so the key names the version too.
const bodyKey = (stamp: SnapshotStamp) => `https://isthmus.internal/snapshot/${stamp.epoch ?? "-"}/${stamp.version}/${stamp.hash}`;

/**
 * A snapshot source whose control-plane load grows with locations, not isolates: the version
 * stamp lives in the location's cache for `stampMs` and one isolate renews it (it marks the
 * entry as being renewed first, so the others do not all ask at once); snapshots are cached
 * immutable under their epoch, version and content hash, so each version crosses to a
 * location once. The isolate's own SnapshotCache still decides what to apply (never older
 * than what it holds).
 */
export function locationSource(options: LocationSourceOptions): SnapshotSource {
  const stampMs = options.stampMs ?? 250;
  const maxStaleMs = options.maxStaleMs ?? 10_000;
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const { cache } = options;

  const putStamp = (entry: StampEntry) =>
    cache.put(STAMP_KEY, new Response(JSON.stringify(entry), { headers: { "content-type": "application/json", "cache-control": `max-age=${Math.ceil(maxStaleMs / 1000)}` } }));

  async function cachedStamp(): Promise<StampEntry | undefined> {
    const response = await cache.match(STAMP_KEY);
    if (!response) return undefined;
    try {
      const entry = (await response.json()) as StampEntry;
      return { ...entry, stamp: snapshotStampOf(entry.stamp) };
    } catch {
      return undefined;
    }
  }

  const putBody = (stamp: SnapshotStamp, raw: unknown) =>
    cache.put(bodyKey(stamp), new Response(JSON.stringify(raw), { headers: { "content-type": "application/json", "cache-control": "max-age=86400, immutable" } }));

  /** A snapshot from the control plane, cached under what it claims to be (the isolate checks content against hash before applying it). */
  async function fetchBody(since: SnapshotSince): Promise<unknown> {
    const raw = await options.bodies.pull(since);
    const named = readSnapshotStamp(raw);
    if (named) await putBody(named, raw);
    return raw;
  }

  /**
   * The stamp to go by, and the snapshot when this isolate renewed the stamp. Renewing the
   * location's stamp, an isolate caches the new snapshot before it publishes the stamp, so
   * the location's other isolates find both and do not all ask for the snapshot at once.
   */
  async function currentStamp(since: SnapshotSince): Promise<{ stamp: SnapshotStamp; raw?: unknown }> {
    const entry = await cachedStamp();
    const at = now();
    // An entry behind what this isolate already holds says nothing new: ask the control plane.
    const behind = entry !== undefined && entry.stamp.epoch === since.epoch && entry.stamp.version < since.version;
    const freshFor = stampMs * (1 + random() / 2);
    if (entry && !behind && (at - entry.checkedAt < freshFor || (entry.renewingUntil ?? 0) > at)) return { stamp: entry.stamp };
    if (entry && !behind) await putStamp({ ...entry, renewingUntil: at + stampMs });
    let fresh: SnapshotStamp;
    try {
      fresh = snapshotStampOf(await options.stamp());
    } catch (error) {
      if (error instanceof StampUnsupportedError) throw error;
      if (entry && !behind && at - entry.checkedAt <= maxStaleMs) return { stamp: entry.stamp };
      throw new ControlPlaneUnreachableError(`snapshot stamp: ${String(error)}`, { cause: error });
    }
    let raw: unknown;
    if (isNewer(fresh, since)) {
      const cached = await cache.match(bodyKey(fresh));
      raw = cached ? await cached.json() : await fetchBody(since);
    }
    await putStamp({ stamp: fresh, checkedAt: now() });
    return { stamp: fresh, raw };
  }

  // Until then this isolate pulls snapshots itself: the control plane answered it has no stamp.
  let stamplessUntil = 0;

  return {
    async pull(since) {
      if (now() < stamplessUntil) return options.bodies.pull(since);
      let current: Awaited<ReturnType<typeof currentStamp>>;
      try {
        current = await currentStamp(since);
      } catch (error) {
        if (!(error instanceof StampUnsupportedError)) throw error;
        stamplessUntil = now() + STAMPLESS_MS;
        return options.bodies.pull(since);
      }
      const { stamp, raw } = current;
      if (raw !== undefined) return raw;
      if (!isNewer(stamp, since)) return null;
      const cached = await cache.match(bodyKey(stamp));
      // Not there: evicted, or the isolate renewing the stamp is still fetching it.
      return cached ? cached.json() : fetchBody(since);
    },
  };
}
