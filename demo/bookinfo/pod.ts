// What a Bookinfo service knows about itself and how it calls others, from its Worker
// environment, the way Bookinfo's containers read SERVICE_VERSION and *_HOSTNAME.

/** The subset of a Worker `env` that every Bookinfo service reads. */
export interface PodEnv {
  /** e.g. "v2"; Bookinfo's SERVICE_VERSION. */
  SERVICE_VERSION?: string;
  /**
   * How this service reaches the others (`fetch("http://reviews:9080/...")`). The mesh
   * supplies it; without it calls go to the global fetch, as a plain Worker's would.
   */
  MESH?: { fetch(input: string, init?: RequestInit): Promise<Response> };
}

/** Header naming the service and version that produced an answer. */
export const PODNAME_HEADER = "x-bookinfo-podname";

/** `reviews-v2`: the service and version, as Bookinfo's `podname`. */
export function podname(service: string, env: PodEnv): string {
  return `${service}-${env.SERVICE_VERSION ?? "v1"}`;
}

/** Outbound HTTP for service code: the mesh's when present, else the global fetch. */
export function outbound(env: PodEnv): (url: string, init?: RequestInit) => Promise<Response> {
  const mesh = env.MESH;
  return mesh ? (url, init) => mesh.fetch(url, init) : (url, init) => fetch(url, init);
}

/** A JSON answer stamped with the pod that produced it. */
export function json(body: unknown, pod: string, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", [PODNAME_HEADER]: pod },
  });
}

/** The numeric product id at the end of `/service/{id}`, or null. */
export function productId(pathname: string, prefix: string): number | null {
  if (!pathname.startsWith(prefix)) return null;
  const rest = pathname.slice(prefix.length);
  return /^\d+$/.test(rest) ? Number(rest) : null;
}
