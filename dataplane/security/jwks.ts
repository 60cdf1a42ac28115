import { SingleFlight } from "../single-flight.ts";
import { createLocalJWKSet, errors, type JSONWebKeySet, type JWTHeaderParameters, type FlattenedJWSInput } from "jose";

// Captured at module load, before a sidecar intercepts the global fetch: an IdP is never a mesh host.
const originFetch: typeof fetch = globalThis.fetch.bind(globalThis);

const FLIGHT_ABANDON_MS = 30_000;

type KeyResolver = ReturnType<typeof createLocalJWKSet>;

interface Entry {
  resolve: KeyResolver;
  fetchedAt: number;
  lastRefetchAt: number;
}

/** Timing of a remote JWKS (Istio refreshes every 20 min by default). */
export interface JwksTiming {
  refreshMs: number;
  /** At least this long between refetches for an unknown kid. */
  minRefetchMs: number;
  /** Give up a fetch after this long. */
  timeoutMs: number;
}

export const DEFAULT_JWKS_TIMING: JwksTiming = { refreshMs: 20 * 60_000, minRefetchMs: 10_000, timeoutMs: 5_000 };

/** The JWKS could not be fetched or parsed. */
export class JwksUnavailableError extends Error {
  readonly code = "jwks_unavailable";
  constructor(message: string) {
    super(message);
    this.name = "JwksUnavailableError";
  }
}

/**
 * Remote key sets by URI, kept for the life of the isolate: fetched on first use,
 * revalidated in waitUntil every `refreshMs`, refetched (rate limited) when a token names
 * a kid the cached set lacks — an IdP's key rotation is picked up on the first token that
 * uses the new key.
 */
export class JwksCache {
  private readonly entries = new Map<string, Entry>();
  /** First loads and background refreshes by URI, shared by the requests that arrive meanwhile. */
  private readonly loads: SingleFlight<string, Entry>;
  private readonly refreshes: SingleFlight<string, void>;

  constructor(private readonly now: () => number = Date.now) {
    // Past a fetch's own timeout plus slack, a flight is taken for lost with a torn-down request.
    this.loads = new SingleFlight(FLIGHT_ABANDON_MS, now);
    this.refreshes = new SingleFlight(FLIGHT_ABANDON_MS, now);
  }

  /** A key resolver for `jwtVerify` that refetches on an unknown kid. */
  async resolver(uri: string, timing: JwksTiming, waitUntil: (promise: Promise<unknown>) => void): Promise<(header: JWTHeaderParameters, token: FlattenedJWSInput) => Promise<CryptoKey>> {
    const entry = this.entries.get(uri) ?? (await this.load(uri, timing));
    if (this.now() - entry.fetchedAt > timing.refreshMs && !this.refreshes.has(uri)) {
      waitUntil(this.refreshes.run(uri, () => this.refetch(uri, entry, timing)).catch(() => undefined));
    }
    return async (header, token) => {
      try {
        return (await entry.resolve(header, token)) as CryptoKey;
      } catch (error) {
        if (!(error instanceof errors.JWKSNoMatchingKey) || this.now() - entry.lastRefetchAt < timing.minRefetchMs) throw error;
        await this.refetch(uri, entry, timing).catch(() => undefined);
        return (await entry.resolve(header, token)) as CryptoKey;
      }
    };
  }

  private load(uri: string, timing: JwksTiming): Promise<Entry> {
    return this.loads.run(uri, async () => {
      const set = await fetchKeySet(uri, timing);
      const entry: Entry = { resolve: createLocalJWKSet(set), fetchedAt: this.now(), lastRefetchAt: this.now() };
      this.entries.set(uri, entry);
      return entry;
    });
  }

  private async refetch(uri: string, entry: Entry, timing: JwksTiming): Promise<void> {
    entry.lastRefetchAt = this.now();
    const set = await fetchKeySet(uri, timing);
    entry.resolve = createLocalJWKSet(set);
    entry.fetchedAt = this.now();
  }
}

async function fetchKeySet(uri: string, timing: JwksTiming): Promise<JSONWebKeySet> {
  let response: Response;
  try {
    response = await originFetch(uri, { headers: { accept: "application/json" }, signal: AbortSignal.timeout(timing.timeoutMs) });
  } catch (error) {
    throw new JwksUnavailableError(`fetching ${uri} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new JwksUnavailableError(`fetching ${uri} answered ${response.status}`);
  }
  const set = (await response.json().catch(() => null)) as JSONWebKeySet | null;
  if (!set || !Array.isArray(set.keys)) throw new JwksUnavailableError(`${uri} is not a JSON Web Key Set`);
  return set;
}
