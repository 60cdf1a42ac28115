// Without zod: the gateway Worker's server selection reads these on every request.

/**
 * The gateway Worker's two listeners, by the port numbers Istio's Gateways write for them:
 * the ingress Service's port and the pod's target port (80 -> 8080, 443 -> 8443), which
 * Istio's samples use by turns. Cloudflare terminates TLS, so the Worker tells the two
 * apart by the request's scheme, not by a port.
 */
export const LISTENER_PORTS = { http: [80, 8080], https: [443, 8443] } as const;

/** `http` or `https`: the gateway Worker listener a request arrives on. */
export type Listener = keyof typeof LISTENER_PORTS;

/** Why a Gateway port number outside {@link LISTENER_PORTS} is refused. */
export const LISTENERS_MESSAGE = "the gateway Worker listens for HTTP on 80/8080 and HTTPS on 443/8443";

/** The listener a Gateway port number names, or undefined for a port the Worker does not listen on. */
export function listenerOfPort(port: number): Listener | undefined {
  if ((LISTENER_PORTS.http as readonly number[]).includes(port)) return "http";
  if ((LISTENER_PORTS.https as readonly number[]).includes(port)) return "https";
  return undefined;
}
