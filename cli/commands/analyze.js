import { NAMESPACE_OPTION } from "../command.js";
import { UsageError } from "../errors.js";
import { formatFinding } from "../findings.js";

/** @type {import("../command.js").Command} */
export default {
  name: "analyze",
  summary: "Report configuration problems across the stored resources (exit 1 on errors)",
  usage: "isthmus analyze [-n NS | -A] [-o json]",
  examples: [
    ["isthmus analyze", "cross-resource problems in every namespace: weights, missing subsets and hosts, regexes, CA expiry"],
    ["isthmus analyze -n default -o json", "findings of one namespace, as JSON for scripts"],
  ],
  description: `Like istioctl analyze: dangling hosts and subsets, weights that do not add up,
shadowed routes, policies that select nothing. Exit 1 when any finding is an error.`,
  options: {
    namespace: { ...NAMESPACE_OPTION, default: undefined, description: "only findings in this namespace (default: all)" },
    "all-namespaces": { type: "boolean", short: "A", description: "findings in every namespace (the default)" },
    output: { type: "string", short: "o", value: "FORMAT", description: "json for machine-readable findings" },
  },
  server: true,
  async run({ values, out, colour, client }) {
    if (values.output && values.output !== "json") throw new UsageError(`-o ${values.output}: only json is supported`);
    const api = await client();
    const body = await api.json("GET", "/v1/analyze");
    /** @type {any[]} */
    let findings = body.findings;
    if (values.namespace && !values["all-namespaces"]) findings = findings.filter((f) => !f.resource?.namespace || f.resource.namespace === values.namespace);
    if (values.output === "json") out(JSON.stringify(findings, null, 2) + "\n");
    else if (findings.length === 0) out(`${colour.green("✔")} No validation issues found.\n`);
    else for (const f of findings) out(formatFinding(f, colour));
    if (values.output !== "json") {
      const checked = body.reachability?.checkedWorkloads ?? [];
      // Unknown bindings are no finding: say whose routes were judged, so silence is not read as "all reachable".
      out(`${colour.dim("Note:")} destination_unreachable judged for ${checked.length ? checked.join(", ") : "no workload"} (workloads that reported their bindings; others unknown, see isthmus bindings)\n`);
    }
    return findings.some((f) => f.severity === "error") ? 1 : 0;
  },
};
