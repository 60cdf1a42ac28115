import type { MeshPeerApi } from "../../contracts/mesh-peer.ts";
import { formatSince, type SnapshotSince } from "../../contracts/snapshot/since.ts";
import { BINDINGS_HEADER } from "../../contracts/snapshot/binding-header.ts";
import type { BindingReport } from "../../contracts/snapshot/binding-report.ts";

/**
 * Where a data-plane isolate pulls snapshots from. `pull(since)` answers the raw snapshot
 * (not yet validated) when the control plane has one newer than `since` (its version, or
 * any of another epoch), or null.
 */
export interface SnapshotSource {
  pull(since: SnapshotSince): Promise<unknown | null>;
}

/** The RPC face of the control plane's `MeshPeer` entrypoint that the data plane uses. */
export type MeshPeerStub = Pick<MeshPeerApi, "snapshot"> & Partial<Pick<MeshPeerApi, "snapshotStamp">>;

/** Raised when the control plane cannot be reached or answers with an error. */
export class ControlPlaneUnreachableError extends Error {
  readonly code = "control_plane_unreachable";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ControlPlaneUnreachableError";
  }
}

/**
 * Raised when the control plane predates the snapshot stamp (no `snapshotStamp` RPC, 404 for
 * `GET /v1/snapshot/stamp`): an older release during an upgrade. Isolates then pull
 * snapshots themselves, as without ISTHMUS_CONFIG_CACHE.
 */
export class StampUnsupportedError extends Error {
  readonly code = "stamp_unsupported";
  constructor(message: string) {
    super(message);
    this.name = "StampUnsupportedError";
  }
}

/** The control plane's current snapshot stamp over RPC (`MeshPeer.snapshotStamp()`). */
export function rpcStamp(peer: MeshPeerStub): () => Promise<unknown> {
  return async () => {
    if (!peer.snapshotStamp) throw new StampUnsupportedError("the control plane has no snapshotStamp");
    try {
      return await peer.snapshotStamp();
    } catch (error) {
      // workerd's answer when the entrypoint lacks the method: a control plane of an older release.
      if (/does not implement the method/.test(String(error))) throw new StampUnsupportedError(`the control plane has no snapshotStamp: ${String(error)}`);
      throw new ControlPlaneUnreachableError(`snapshot stamp RPC failed: ${String(error)}`, { cause: error });
    }
  };
}

/** Pulls through a service binding to the control plane's `MeshPeer` entrypoint (RPC); `report` says when to send the binding names. */
export function rpcSource(peer: MeshPeerStub, report: () => BindingReport | undefined = () => undefined): SnapshotSource {
  return {
    async pull(since) {
      try {
        const bindings = report();
        const held = since.epoch ? formatSince(since) : since.version;
        return (await (bindings ? peer.snapshot(held, bindings) : peer.snapshot(held))) ?? null;
      } catch (error) {
        throw new ControlPlaneUnreachableError(`snapshot RPC failed: ${String(error)}`, { cause: error });
      }
    },
  };
}

// Captured before a sidecar intercepts the global fetch: config pulls never go through the mesh.
const originFetch: typeof fetch = globalThis.fetch.bind(globalThis);

/**
 * Pulls over HTTP: `GET {baseUrl}/v1/snapshot?since=EPOCH:V` with a bearer token; 304 / 204
 * mean "not newer". `fetcher` defaults to the global fetch (a service binding's fetch
 * also fits). A due `report` goes in the `x-isthmus-bindings` header (JSON).
 */
export function httpSource(
  baseUrl: string,
  token: string | undefined,
  fetcher: (request: Request) => Promise<Response> = (request) => originFetch(request),
  report: () => BindingReport | undefined = () => undefined,
): SnapshotSource {
  return {
    async pull(since) {
      const url = new URL("/v1/snapshot", baseUrl);
      url.searchParams.set("since", formatSince(since));
      const headers = new Headers({ accept: "application/json" });
      if (token) headers.set("authorization", `Bearer ${token}`);
      const bindings = report();
      if (bindings) headers.set(BINDINGS_HEADER, JSON.stringify(bindings));
      let response: Response;
      try {
        response = await fetcher(new Request(url, { headers }));
      } catch (error) {
        throw new ControlPlaneUnreachableError(`GET ${url} failed: ${String(error)}`, { cause: error });
      }
      if (response.status === 304 || response.status === 204) {
        await response.body?.cancel();
        return null;
      }
      if (!response.ok) {
        await response.body?.cancel();
        throw new ControlPlaneUnreachableError(`GET ${url} answered ${response.status}`);
      }
      return response.json();
    },
  };
}

/**
 * The control plane's current snapshot stamp over HTTP: `GET {baseUrl}/v1/snapshot/stamp`
 * with a bearer token. Throws ControlPlaneUnreachableError, or StampUnsupportedError on a 404;
 * the caller validates the body.
 */
export function httpStamp(
  baseUrl: string,
  token: string | undefined,
  fetcher: (request: Request) => Promise<Response> = (request) => originFetch(request),
): () => Promise<unknown> {
  const url = new URL("/v1/snapshot/stamp", baseUrl);
  return async () => {
    const headers = new Headers({ accept: "application/json" });
    if (token) headers.set("authorization", `Bearer ${token}`);
    let response: Response;
    try {
      response = await fetcher(new Request(url, { headers }));
    } catch (error) {
      throw new ControlPlaneUnreachableError(`GET ${url} failed: ${String(error)}`, { cause: error });
    }
    if (response.status === 404) {
      await response.body?.cancel();
      throw new StampUnsupportedError(`GET ${url} answered 404: the control plane predates the stamp`);
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new ControlPlaneUnreachableError(`GET ${url} answered ${response.status}`);
    }
    return response.json();
  };
}
