import { NAMESPACE_OPTION } from "../command.js";
import { UsageError } from "../errors.js";
import { renderResource, resourceFacts } from "../describe/resource.js";
import { renderService, serviceFacts } from "../describe/service.js";
import { kindOrThrow } from "../resource-paths.js";

/** @type {import("../command.js").Command} */
export default {
  name: "describe",
  summary: "Show what applies to a service, or a resource with what it applies to",
  usage: "isthmus describe service|KIND NAME [-n NS] [-o json]",
  description: `"describe service NAME" gathers, for the service NAME of the namespace: its ServiceEntries and
endpoints (with the registry's health), the VirtualServices and HTTPRoutes that serve its host
or route to it, its DestinationRules and subsets, the AuthorizationPolicies,
PeerAuthentications and RequestAuthentications selecting it (mesh-wide, namespace-wide or by
selector), and the snapshot version each of its isolates last reported (from /metrics; isolates
report with their telemetry, so a Worker with metrics off is not listed).
"describe KIND NAME" shows one resource: what it applies to, its spec and the analyzer's
findings about it. KIND is any kind "isthmus get" accepts.`,
  options: {
    namespace: NAMESPACE_OPTION,
    output: { type: "string", short: "o", value: "FORMAT", description: "json for the gathered facts" },
  },
  examples: [
    ["isthmus describe service reviews", "routes, subsets, policies, endpoints and snapshots of reviews"],
    ["isthmus describe svc ratings -n shop", "the same for ratings in namespace shop"],
    ["isthmus describe virtualservice reviews", "the reviews VirtualService, the hosts it serves and routes to, and findings"],
  ],
  args: [2, 2],
  server: true,
  async run({ values, args, out, client }) {
    if (values.output !== undefined && values.output !== "json") throw new UsageError(`-o ${values.output}: only json is supported`);
    const [kindName, name] = args;
    const isService = ["service", "services", "svc"].includes(kindName.toLowerCase());
    const kind = isService ? null : kindOrThrow(kindName);
    const api = await client();
    const facts = kind ? await resourceFacts(api, kind, name, values.namespace) : await serviceFacts(api, name, values.namespace);
    if (values.output === "json") out(`${JSON.stringify(facts, null, 2)}\n`);
    else out(kind ? renderResource(/** @type {any} */ (facts)) : renderService(/** @type {any} */ (facts)));
    return 0;
  },
};
