// The control-plane Worker (real bundle, real workerd, its Durable Objects from
// wrangler.toml) plus a data-plane Worker bound to its MeshPeer entrypoint with props, for
// CA tests.
import { Miniflare } from "miniflare";
import { CONTROL_WORKER, TEST_ADMIN_TOKEN, controlPlane, meshPeer, meshWorkers } from "../harness/mesh.ts";

export const ADMIN = TEST_ADMIN_TOKEN;

export interface CaMesh {
  mf: Miniflare;
  /** A request to the control API; `auth` is a bearer token (default: the admin token). */
  api(path: string, init?: RequestInit & { auth?: string | null }): Promise<Response>;
  /** Calls the bound data-plane Worker, which calls MeshPeer over RPC: `/jwt?aud=`, `/x509`, `/bundle`. */
  peer(path: string, init?: RequestInit): Promise<Response>;
  dispose(): Promise<void>;
}

const PEER_SCRIPT = `
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    try {
      if (url.pathname === "/jwt") return Response.json(await env.CONTROL.jwtSvid(url.searchParams.get("aud")));
      if (url.pathname === "/x509") return Response.json(await env.CONTROL.x509Svid(await request.text()));
      if (url.pathname === "/bundle") return Response.json(await env.CONTROL.trustBundle());
      if (url.pathname === "/unattested") return Response.json(await env.BARE.jwtSvid("x"));
    } catch (err) {
      return Response.json({ error: String(err.message) }, { status: 500 });
    }
    return new Response("not found", { status: 404 });
  },
};`;

/**
 * Starts the mesh control plane with `vars` added to its environment; state kept in
 * `persistDir` if given. No ISTHMUS_CA_WRAPPING_KEY unless `vars` has one: the CA's
 * warning for a missing one is under test.
 */
export async function startCaMesh(name: string, vars: Record<string, string> = {}, persistDir?: string): Promise<CaMesh> {
  const [controlWorker] = await meshWorkers(`dist/test/${name}`, [{ ...controlPlane(), vars: { ISTHMUS_ADMIN_TOKEN: ADMIN, ISTHMUS_TRUST_DOMAIN: "example.org", ...vars } }]);
  const mf = new Miniflare({
    durableObjectsPersist: persistDir ?? false,
    workers: [
      controlWorker!,
      {
        name: "productpage",
        modules: [{ type: "ESModule", path: "peer.mjs", contents: PEER_SCRIPT }],
        compatibilityDate: "2026-04-26",
        serviceBindings: {
          CONTROL: meshPeer({ namespace: "default", serviceAccount: "productpage" }),
          BARE: { name: CONTROL_WORKER, entrypoint: "MeshPeer" },
        },
      },
    ],
  });
  await mf.ready;
  const control = await mf.getWorker(CONTROL_WORKER);
  const peerWorker = await mf.getWorker("productpage");
  return {
    mf,
    async api(path, init = {}) {
      const { auth = ADMIN, ...rest } = init;
      const headers = new Headers(rest.headers as HeadersInit | undefined);
      if (auth) headers.set("authorization", `Bearer ${auth}`);
      return (await control.fetch(`http://control${path}`, { ...rest, headers } as never)) as unknown as Response;
    },
    async peer(path, init = {}) {
      return (await peerWorker.fetch(`http://productpage${path}`, init as never)) as unknown as Response;
    },
    dispose: () => mf.dispose(),
  };
}
