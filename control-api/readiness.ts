import { kindByPlural } from "../resources/index.ts";
import { meshControl, type Env } from "./env.ts";

/** The outcome of one readiness probe. */
export interface ReadinessCheck {
  name: string;
  ready: boolean;
  message?: string;
}

const PROBE_TIMEOUT_MS = 3000;

/** The slice of the CertificateAuthority RPC surface readiness reads. */
interface CaStatus {
  info(): Promise<{ ok: true; value: { bootstrapped: boolean } } | { ok: false; error: { message: string } }>;
}

/**
 * Probes what the mesh needs before it can serve: MeshControl answers; the CA (when bound)
 * is bootstrapped (its `info()` RPC says so); and each entry of
 * `ISTHMUS_READY_CHECKS`, a comma-separated list of:
 * - `http://...` / `https://...`: a URL that must answer 2xx;
 * - `resource:<plural>/<namespace>/<name>`: a resource that must exist (e.g. default routes);
 * - `<BINDING>` or `<BINDING>/<path>`: a service binding whose fetch of `/<path>` (default
 *   `/healthz`) must answer 2xx.
 */
export async function readinessChecks(env: Env): Promise<ReadinessCheck[]> {
  const probes: Array<[string, () => Promise<void>]> = [["mesh-control", async () => void (await meshControl(env).status())]];
  const ca = env.CA;
  if (ca) {
    probes.push([
      "ca",
      async () => {
        const stub = ca.get(ca.idFromName("mesh")) as unknown as CaStatus;
        const info = await stub.info();
        if (!info.ok) throw new Error(info.error.message);
        if (!info.value.bootstrapped) throw new Error("the CA is not bootstrapped yet");
      },
    ]);
  }
  for (const entry of (env.ISTHMUS_READY_CHECKS ?? "").split(",").map((item) => item.trim()).filter(Boolean)) {
    probes.push([entry, probeFor(entry, env)]);
  }
  return Promise.all(probes.map(([name, probe]) => run(name, probe)));
}

function probeFor(entry: string, env: Env): () => Promise<void> {
  if (/^https?:\/\//.test(entry)) return () => expectOk(fetch(entry));
  if (entry.startsWith("resource:")) {
    return async () => {
      const [plural, namespace, name] = entry.slice("resource:".length).split("/");
      const info = kindByPlural(plural ?? "");
      if (!info || !namespace || !name) throw new Error("expected resource:<plural>/<namespace>/<name>");
      if (!(await meshControl(env).resource({ kind: info.kind, namespace, name }))) throw new Error(`${info.kind} ${namespace}/${name} is not applied`);
    };
  }
  return () => {
    const [binding, ...path] = entry.split("/");
    const service = (env as unknown as Record<string, { fetch?: Fetcher["fetch"] } | undefined>)[binding!];
    if (typeof service?.fetch !== "function") return Promise.reject(new Error(`no service binding ${binding}`));
    return expectOk(service.fetch(`https://${binding!.toLowerCase()}/${path.join("/") || "healthz"}`));
  };
}

async function expectOk(response: Promise<Response>): Promise<void> {
  const answer = await response;
  await answer.body?.cancel();
  if (!answer.ok) throw new Error(`answered ${answer.status}`);
}

async function run(name: string, probe: () => Promise<void>): Promise<ReadinessCheck> {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`)), PROBE_TIMEOUT_MS);
  });
  try {
    await Promise.race([probe(), timeout]);
    return { name, ready: true };
  } catch (error) {
    return { name, ready: false, message: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}
