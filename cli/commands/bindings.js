import { readFile, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { addServices, configOf } from "../bindings/wrangler-services.js";
import { CliError, UsageError } from "../errors.js";

/** `reviews-v2` -> `REVIEWS_V2`: the binding a `worker://reviews-v2` endpoint goes through. */
const bindingName = (/** @type {string} */ name) => name.toUpperCase().replace(/[^A-Z0-9]/g, "_");

/** @param {string} path */
const formatOf = (path) => (path.endsWith(".toml") ? "toml" : path.endsWith(".json") || path.endsWith(".jsonc") ? "jsonc" : null);

/**
 * How this config names the Workers behind its bindings: the prefix its entries share
 * (`bookinfo-` when `REVIEWS_V1` goes to `bookinfo-reviews-v1`), so new entries follow suit.
 * @param {{ binding: string, service: string, entrypoint?: string }[]} services @returns {string}
 */
function inferredTemplate(services) {
  /** @type {Map<string, number>} */
  const prefixes = new Map();
  // Endpoint bindings only: the control plane's (an entrypoint) is named apart.
  for (const { binding, service } of services.filter((s) => !("entrypoint" in s))) {
    for (let cut = 0; cut < service.length; cut = service.indexOf("-", cut) + 1 || service.length) {
      if (bindingName(service.slice(cut)) === binding) {
        prefixes.set(service.slice(0, cut), (prefixes.get(service.slice(0, cut)) ?? 0) + 1);
        break;
      }
    }
  }
  const best = [...prefixes].sort((a, b) => b[1] - a[1])[0];
  return `${best?.[0] ?? ""}{name}`;
}

/**
 * A Worker's wrangler config as the control plane's binding plan takes it.
 * @param {string} path @param {{ namespace?: string, serviceAccount?: string }} override
 */
async function readWorker(path, override) {
  const format = formatOf(path);
  if (!format) throw new UsageError(`--config ${path}: must be a .toml, .json or .jsonc wrangler config`);
  let text;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new CliError(`--config ${path}: ${/** @type {Error} */ (error).message}`);
  }
  let config;
  try {
    config = configOf(text, format);
  } catch (error) {
    throw new CliError(`--config ${path} cannot be parsed: ${String(/** @type {Error} */ (error).message).split("\n")[0]}`);
  }
  /** @type {{ binding: string, service: string, entrypoint?: string, props?: Record<string, string> }[]} */
  const services = Array.isArray(config.services) ? config.services : [];
  // The control-plane binding's props are the Worker's identity, as the mesh attests it.
  const props = services.find((s) => s.entrypoint === "MeshPeer")?.props ?? {};
  const namespace = override.namespace ?? props.namespace;
  const serviceAccount = override.serviceAccount ?? props.serviceAccount;
  if (!namespace || !serviceAccount) {
    throw new UsageError(`--config ${path}: no [[services]] entry with entrypoint = "MeshPeer" and props naming the workload; give --namespace and --service-account`);
  }
  const dispatchNamespaces = (Array.isArray(config.dispatch_namespaces) ? config.dispatch_namespaces : []).map((/** @type {{ binding: string }} */ d) => d.binding);
  return { path, format, text, services, workload: { namespace, serviceAccount, bindings: { services: services.map((s) => s.binding), dispatchNamespaces } } };
}

/**
 * The `[[services]]` entries a plan's missing bindings need (dispatch namespaces are named apart: their namespace is the operator's choice).
 * @param {any} plan @param {string} template
 */
function missingEntries(plan, template) {
  /** @type {Map<string, { binding: string, service: string, endpoint: string, why: string }>} */
  const entries = new Map();
  /** @type {Set<string>} */
  const dispatch = new Set();
  for (const need of plan.needs) {
    if (!plan.missing.includes(need.binding)) continue;
    if (need.kind === "dispatchNamespace") dispatch.add(need.binding);
    else if (!entries.has(need.binding)) {
      const name = need.endpoint.slice("worker://".length);
      entries.set(need.binding, { binding: need.binding, service: template.replaceAll("{name}", name), endpoint: need.endpoint, why: `${need.resource.kind} ${need.resource.namespace}/${need.resource.name} ${need.path}` });
    }
  }
  return { entries: [...entries.values()], dispatch: [...dispatch] };
}

/** @param {{ binding: string, service: string, endpoint: string, why: string }[]} entries */
const toml = (entries) => entries.map((e) => `[[services]]  # ${e.endpoint}, routed by ${e.why}\nbinding = ${JSON.stringify(e.binding)}\nservice = ${JSON.stringify(e.service)}\n`).join("\n");

/** @type {import("../command.js").Command} */
export default {
  name: "bindings",
  summary: "Show (and --write) the service bindings each Worker's routes need",
  usage: "isthmus bindings [--config PATH]... [--write] [--service-name TEMPLATE] [-o json]",
  examples: [
    ["isthmus bindings", "per workload that reported its bindings (and the gateway): the [[services]] its routes need, missing ones marked"],
    ["isthmus bindings --config workers/gateway/wrangler.toml", "the [[services]] entries this Worker's routes need and its config lacks"],
    ["isthmus bindings --write --config wrangler.jsonc --config ../reviews/wrangler.toml", "add them to each config, keeping its layout (a second run changes nothing)"],
  ],
  description: `A route to a worker://NAME endpoint goes through the calling Worker's service binding
NAME upper-cased (worker://reviews-v2 -> REVIEWS_V2); without it every such request answers 503.
The control plane knows the routes and, from data planes' snapshot pulls, which bindings each
Worker holds (GET/POST /v1/bindings). Routes bound to a Gateway send the gateway's traffic; a
sidecar is taken to call each host it holds a binding to one endpoint of.

With --config, the Worker's identity is its MeshPeer binding's props (or --namespace and
--service-account) and its bindings are its [[services]]; missing entries are printed, or with
--write inserted next to the existing ones (TOML or JSON/JSONC kept as written, top level only,
not [env.*]). A new entry's service is --service-name with {name} replaced by the endpoint's NAME;
by default the prefix the config's own entries use (bookinfo-{name} when REVIEWS_V1 goes to
bookinfo-reviews-v1), else {name}. Dispatch namespace bindings are named, never written.`,
  options: {
    config: { type: "string", multiple: true, value: "PATH", description: "a Worker's wrangler.toml / wrangler.json(c)" },
    write: { type: "boolean", description: "add the missing [[services]] entries to each --config file" },
    "service-name": { type: "string", value: "TEMPLATE", description: "Worker name of a new entry, {name} = the endpoint's NAME (default: inferred)" },
    namespace: { type: "string", short: "n", value: "NS", description: "the Worker's namespace (default: its MeshPeer binding's props)" },
    "service-account": { type: "string", value: "SA", description: "the Worker's service account (default: its MeshPeer binding's props)" },
    output: { type: "string", short: "o", value: "FORMAT", description: "json for the control plane's binding plans" },
  },
  server: true,
  async run({ values, out, client, io, colour }) {
    if (values.output !== undefined && values.output !== "json") throw new UsageError(`-o ${values.output}: only json is supported`);
    /** @type {string[]} */
    const paths = values.config ?? [];
    if (values.write && paths.length === 0) throw new UsageError("--write needs at least one --config PATH");
    if ((values.namespace || values["service-account"]) && paths.length === 0) throw new UsageError("--namespace and --service-account describe a --config Worker");
    const api = await client();
    if (paths.length === 0) {
      const body = await api.json("GET", "/v1/bindings");
      if (values.output === "json") {
        out(`${JSON.stringify(body, null, 2)}\n`);
        return 0;
      }
      for (const plan of body.workloads) {
        const who = `${plan.namespace}/${plan.serviceAccount}${plan.gateway ? " (the gateway)" : ""}`;
        const held = plan.bindings ? [...plan.bindings.services, ...plan.bindings.dispatchNamespaces].join(", ") || "none" : "";
        const state = plan.bindings ? `holds ${held}; reported ${body.reportedAt[`${plan.namespace}/${plan.serviceAccount}`] ?? "lately"}` : "never reported its bindings: all shown";
        out(`# ${who}: ${plan.needs.length === 0 ? "its routes need no binding" : `${plan.missing.length} missing`} (${state})\n`);
        const { entries, dispatch } = missingEntries({ ...plan, missing: plan.needs.map((/** @type {any} */ n) => n.binding) }, values["service-name"] ?? "{name}");
        for (const entry of entries) out(`${plan.missing.includes(entry.binding) ? colour.red("# missing\n") : ""}${toml([entry])}`);
        for (const name of dispatch) out(`# dispatch namespace binding ${name}${plan.missing.includes(name) ? " (missing)" : ""}: [[dispatch_namespaces]] binding = "${name}"\n`);
        out("\n");
      }
      return 0;
    }
    const override = { namespace: values.namespace, serviceAccount: values["service-account"] };
    const workers = await Promise.all(paths.map((path) => readWorker(resolve(io.cwd, path), override)));
    const body = await api.json("POST", "/v1/bindings", { json: { workloads: workers.map((w) => w.workload) } });
    if (values.output === "json" && !values.write) {
      out(`${JSON.stringify(body, null, 2)}\n`);
      return 0;
    }
    let missing = 0;
    for (const [index, worker] of workers.entries()) {
      const plan = body.workloads[index];
      const { entries, dispatch } = missingEntries(plan, values["service-name"] ?? inferredTemplate(worker.services));
      const label = paths[index];
      for (const name of dispatch) out(`${label}: dispatch namespace binding ${name} is missing: add [[dispatch_namespaces]] binding = "${name}" with your namespace\n`);
      if (entries.length === 0) {
        out(`${label}: ${colour.green("✔")} has every service binding its routes need (${plan.needs.length})\n`);
        continue;
      }
      if (!values.write) {
        missing += entries.length;
        out(`${label}: ${entries.length} missing\n${toml(entries)}\n`);
        continue;
      }
      const { text, added } = addServices(worker.text, /** @type {"toml" | "jsonc"} */ (worker.format), entries);
      if (text !== worker.text) await writeFile(worker.path, text);
      out(`${label}: added ${added.map((e) => `${e.binding} (${e.service})`).join(", ")}\n`);
    }
    // Printing what is missing is a check: scripts can fail on it.
    return missing > 0 ? 1 : 0;
  },
};
