import { UsageError } from "../errors.js";
import { table } from "../output.js";
import { listItems } from "../resource-paths.js";

/** @type {import("../command.js").Command} */
export default {
  name: "stat",
  summary: "Show request rate, success rate and latency per service and version",
  usage: "isthmus stat [SERVICE] [--window 1m] [-o json]",
  options: {
    window: { type: "string", value: "DURATION", default: "1m", description: "time window, e.g. 30s, 1m, 5m" },
    output: { type: "string", short: "o", value: "FORMAT", description: "json for the raw answer" },
  },
  args: [0, 1],
  server: true,
  async run({ values, args, out, err, client }) {
    if (!/^\d+(ms|s|m|h)$/.test(values.window)) throw new UsageError(`--window ${values.window}: use a duration such as 30s, 1m, 1h`);
    if (values.output && values.output !== "json") throw new UsageError(`-o ${values.output}: only json is supported`);
    const api = await client();
    const body = await api.json("GET", "/v1/stats", { query: { service: args[0], window: values.window } });
    if (values.output === "json") {
      out(JSON.stringify(body, null, 2) + "\n");
      return 0;
    }
    const rows = listItems(body?.services ?? body?.rows ?? body);
    if (rows.length === 0) {
      err(`No traffic${args[0] ? ` for ${args[0]}` : ""} in the last ${values.window}.\n`);
      return 0;
    }
    out(
      table(
        ["SERVICE", "VERSION", "REQUESTS", "RPS", "SUCCESS", "P50", "P90", "P99"],
        rows.map((r) => [
          String(r.service ?? r.destination_service ?? ""),
          String(r.version ?? r.destination_version ?? "-"),
          String(r.requests ?? r.count ?? ""),
          fixed(r.rps, 2),
          r.successRate === undefined ? "" : `${fixed(r.successRate * 100, 2)}%`,
          ms(r.p50 ?? r.latency?.p50),
          ms(r.p90 ?? r.latency?.p90),
          ms(r.p99 ?? r.latency?.p99),
        ]),
      ),
    );
    return 0;
  },
};

/** @param {unknown} n @param {number} digits */
function fixed(n, digits) {
  return typeof n === "number" && Number.isFinite(n) ? n.toFixed(digits) : "";
}

/** @param {unknown} n */
function ms(n) {
  return typeof n === "number" && Number.isFinite(n) ? `${n < 10 ? n.toFixed(1) : Math.round(n)}ms` : "";
}
