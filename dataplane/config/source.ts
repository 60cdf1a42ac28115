import { formatSince, type SnapshotSince } from "../../snapshot/since.ts";

/**
 * Where a data-plane isolate pulls snapshots from. `pull(since)` answers the raw snapshot
 * (not yet validated) when the control plane has one newer than `since` (its version, or
 * any of another epoch), or null.
 */
export interface SnapshotSource {
  pull(since: SnapshotSince): Promise<unknown | null>;
}

/** The RPC face of the control plane's `MeshPeer` entrypoint that the data plane uses. */
export interface MeshPeerStub {
  /** `since`: `<epoch>:<version>`, or a bare version when the data plane knows no epoch. */
  snapshot(since: number | string): Promise<unknown | null>;
}

/** Raised when the control plane cannot be reached or answers with an error. */
export class ControlPlaneUnreachableError extends Error {
  readonly code = "control_plane_unreachable";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ControlPlaneUnreachableError";
  }
}

/** Pulls through a service binding to the control plane's `MeshPeer` entrypoint (RPC). */
export function rpcSource(peer: MeshPeerStub): SnapshotSource {
  return {
    async pull(since) {
      try {
        return (await peer.snapshot(since.epoch ? formatSince(since) : since.version)) ?? null;
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
 * also fits).
 */
export function httpSource(
  baseUrl: string,
  token: string | undefined,
  fetcher: (request: Request) => Promise<Response> = (request) => originFetch(request),
): SnapshotSource {
  return {
    async pull(since) {
      const url = new URL("/v1/snapshot", baseUrl);
      url.searchParams.set("since", formatSince(since));
      const headers = new Headers({ accept: "application/json" });
      if (token) headers.set("authorization", `Bearer ${token}`);
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
