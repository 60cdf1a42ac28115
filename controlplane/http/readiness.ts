import { kindByPlural } from "../../resources/index.ts";
import { meshControl, type Env } from "../env.ts";

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
 * - `configured`: a configuration was applied at least once (the revision history is not
 *   empty; later changes, deletions and rollbacks keep it so);
 * - `resource:<plural>/<namespace>/<name>`: a resource that must exist now;
 * - `<BINDING>` or `<BINDING>/<path>`: a service binding whose fetch of `/<path>` (default
 *   `/healthz`) must answer 2xx;
 * - `answers:<BINDING>[/<path>]`: the same fetch must get an answer, whatever its status
 *   (an exception or no answer within the timeout fails it).
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
  if (entry === "configured") {
    return async () => {
      if ((await meshControl(env).status()).revision === 0) throw new Error("no configuration was ever applied");
    };
  }
  if (entry.startsWith("answers:")) return () => fetchBinding(entry.slice("answers:".length), env).then((answer) => answer.body?.cancel());
  if (entry.startsWith("resource:")) {
    return async () => {
      const [plural, namespace, name] = entry.slice("resource:".length).split("/");
      const info = kindByPlural(plural ?? "");
      if (!info || !namespace || !name) throw new Error("expected resource:<plural>/<namespace>/<name>");
      if (!(await meshControl(env).resource({ kind: info.kind, namespace, name }))) throw new Error(`${info.kind} ${namespace}/${name} is not applied`);
    };
  }
  return () => expectOk(fetchBinding(entry, env));
}

/** Fetch `/<path>` (default `/healthz`) from the service binding named by `<BINDING>[/<path>]`. */
async function fetchBinding(target: string, env: Env): Promise<Response> {
  const [binding, ...path] = target.split("/");
  const service = (env as unknown as Record<string, { fetch?: Fetcher["fetch"] } | undefined>)[binding!];
  if (typeof service?.fetch !== "function") throw new Error(`no service binding ${binding}`);
  return service.fetch(`https://${binding!.toLowerCase()}/${path.join("/") || "healthz"}`);
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
