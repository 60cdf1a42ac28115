import { NAMESPACE_OPTION } from "../command.js";
import { UsageError } from "../errors.js";
import { findKind } from "../kinds.js";
import { table } from "../output.js";
import { listItems, resourcePath } from "../resource-paths.js";

const SE = /** @type {import("../kinds.js").KindInfo} */ (findKind("ServiceEntry"));

/** @type {import("../command.js").Command} */
export default {
  name: "stat",
  summary: "Show request rate, success rate and latency per service and version",
  usage: "isthmus stat [SERVICE] [-n NS] [--window 1m] [-o json]",
  examples: [
    ["isthmus stat", "request rate, success rate and latency of every service of namespace default"],
    ["isthmus stat reviews --window 5m", "one service per version over the last five minutes"],
  ],
  description: "Without SERVICE, every service of the namespace's registry (its ServiceEntries).",
  options: {
    namespace: NAMESPACE_OPTION,
    window: { type: "string", value: "DURATION", default: "1m", description: "time window: 10s to 1h, e.g. 30s, 1m, 5m" },
    output: { type: "string", short: "o", value: "FORMAT", description: "json for the raw answers" },
  },
  args: [0, 1],
  server: true,
  async run({ values, args, out, err, client }) {
    if (!/^\d+(s|m|h)$/.test(values.window)) throw new UsageError(`--window ${values.window}: use a duration such as 30s, 1m, 1h`);
    if (values.output && values.output !== "json") throw new UsageError(`-o ${values.output}: only json is supported`);
    const api = await client();
    const services = args[0] ? [args[0]] : await registryServices(api, values.namespace);
    const answers = [];
    for (const service of services) answers.push(await api.json("GET", "/v1/stats", { query: { service, namespace: values.namespace, window: values.window } }));
    if (values.output === "json") {
      out(JSON.stringify(args[0] ? answers[0] : answers, null, 2) + "\n");
      return 0;
    }
    const rows = answers.flatMap((a) => a.versions ?? []);
    if (rows.length === 0) {
      err(`No traffic${args[0] ? ` to ${args[0]}` : ""} in namespace ${values.namespace} in the last ${values.window}.\n`);
      return 0;
    }
    out(
      table(
        ["SERVICE", "VERSION", "REQUESTS", "RPS", "SUCCESS", "P50", "P95", "P99"],
        rows.map((r) => [r.service, r.version, String(r.requests), r.rps.toFixed(2), r.successRate === null ? "-" : `${(r.successRate * 100).toFixed(2)}%`, ms(r.latencyMs.p50), ms(r.latencyMs.p95), ms(r.latencyMs.p99)]),
      ),
    );
    return 0;
  },
};

/** Service names of the namespace's ServiceEntries (short host names). @param {import("../client.js").ControlClient} api @param {string} namespace */
async function registryServices(api, namespace) {
  const entries = listItems(await api.json("GET", resourcePath(SE, namespace)));
  const names = entries.flatMap((e) => (e.spec?.hosts ?? []).map((/** @type {string} */ h) => h.split(".")[0]));
  return [...new Set(names)].filter((n) => n && n !== "*").sort();
}

/** @param {number | null} n */
function ms(n) {
  return n === null ? "-" : `${n < 10 ? n.toFixed(1) : Math.round(n)}ms`;
}
