import { fetchedResponse } from "../mutable-response.ts";
import { requestUrl } from "../request-url.ts";
import { UpstreamConnectFailureError } from "../traffic/mesh-error.ts";

// Captured before any sidecar intercepts the global fetch: an origin endpoint must never
// loop back into the mesh, even when its host is also a mesh host.
const originFetch: typeof fetch = globalThis.fetch.bind(globalThis);

/** Something with a `fetch`, as a service binding or a dispatch-namespace entry is. */
export interface Fetcher {
  fetch(request: Request): Promise<Response>;
}

/** A Workers-for-Platforms dispatch namespace binding. */
export interface DispatchNamespace {
  get(script: string): Fetcher;
}

/** The env binding a `worker://NAME` endpoint goes through: `reviews-v2` -> `REVIEWS_V2`. */
export function bindingName(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9]/g, "_");
}

/**
 * Sends the request to one endpoint, by the kind its address names:
 * `worker://NAME` -> the service binding `env[NAME_UPPER]`; `http(s)://origin[/base]` ->
 * fetch to that origin with the request's path and query (appended to the base path);
 * `dispatch://NAMESPACE_BINDING/SCRIPT` -> `env[NAMESPACE_BINDING].get(SCRIPT)`.
 * A missing binding or a thrown fetch is an upstream connect failure (UF).
 *
 * `clientCertificate` names the mTLS certificate binding (Cloudflare's `mtls_certificates`,
 * from a DestinationRule's `tls.credentialName`) that origin requests go through, so the
 * origin sees the mesh's client certificate.
 */
export async function dispatchToEndpoint(
  request: Request,
  address: string,
  env: Record<string, unknown>,
  clientCertificate?: string,
): Promise<Response> {
  const target = fetcherFor(address, env, clientCertificate);
  try {
    return fetchedResponse(await target.fetch(target.rewrite ? target.rewrite(request) : request));
  } catch (error) {
    if (error instanceof UpstreamConnectFailureError) throw error;
    // Cancelled by a timeout: say so, rather than blame the connection.
    if (request.signal?.aborted) throw request.signal.reason;
    throw new UpstreamConnectFailureError(address, error instanceof Error ? error.message : String(error));
  }
}

interface Target extends Fetcher {
  rewrite?: (request: Request) => Request;
}

function fetcherFor(address: string, env: Record<string, unknown>, clientCertificate?: string): Target {
  const scheme = address.slice(0, address.indexOf("://"));
  switch (scheme) {
    case "worker": {
      const name = bindingName(address.slice("worker://".length));
      const binding = env[name] as Fetcher | undefined;
      if (!binding || typeof binding.fetch !== "function") {
        throw new UpstreamConnectFailureError(address, `no service binding ${name}`);
      }
      return { fetch: (request) => binding.fetch(request) };
    }
    case "dispatch": {
      const [namespace, ...script] = address.slice("dispatch://".length).split("/");
      const binding = env[namespace!] as DispatchNamespace | undefined;
      if (!binding || typeof binding.get !== "function" || script.length === 0) {
        throw new UpstreamConnectFailureError(address, `no dispatch namespace binding ${namespace}`);
      }
      const worker = binding.get(script.join("/"));
      return { fetch: (request) => worker.fetch(request) };
    }
    case "http":
    case "https": {
      const origin = new URL(address);
      const base = origin.pathname.replace(/\/$/, "");
      let send = originFetch as (request: Request) => Promise<Response>;
      if (clientCertificate) {
        const certificate = env[bindingName(clientCertificate)] as Fetcher | undefined;
        if (!certificate || typeof certificate.fetch !== "function") {
          throw new UpstreamConnectFailureError(address, `no mTLS certificate binding ${bindingName(clientCertificate)}`);
        }
        send = (request) => certificate.fetch(request);
      }
      return {
        fetch: send,
        rewrite: (request) => {
          const from = requestUrl(request);
          const to = new URL(origin.origin);
          to.pathname = base + from.pathname;
          to.search = from.search;
          return new Request(to, request);
        },
      };
    }
    default:
      throw new UpstreamConnectFailureError(address, "unsupported endpoint address");
  }
}
