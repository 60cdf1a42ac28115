import { UsageError } from "../errors.js";
import { table } from "../output.js";
import { listItems } from "../resource-paths.js";

/** @param {string} value @param {string} what */
function dnsLabel(value, what) {
  if (!/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(value)) throw new UsageError(`${what} "${value}" must be a DNS label (lower-case letters, digits, -)`);
  return value;
}

/** @type {import("../command.js").Command} */
const create = {
  name: "create",
  summary: "Create a workload identity and print its one-time join token",
  usage: "isthmus identity create NAMESPACE SERVICE_ACCOUNT [-o json]",
  examples: [
    ["isthmus identity create default reviews", "the identity spiffe://<trust domain>/ns/default/sa/reviews and its one-time join token"],
  ],
  description: `Prints the SPIFFE ID and the join token. The token is shown only once. It is for
workloads outside Workers RPC: the bearer token of POST /v1/svids/jwt and /v1/svids/x509,
and of "isthmus cert sign" (--token, or env ISTHMUS_JOIN_TOKEN). A Worker bound to the
control plane's MeshPeer entrypoint (as "isthmus inject" makes it) needs none: its
binding's props are its identity.`,
  options: { output: { type: "string", short: "o", value: "FORMAT", description: "json for {spiffeId, joinToken}" } },
  args: [2, 2],
  server: true,
  async run({ values, args, out, err, client }) {
    const [namespace, serviceAccount] = [dnsLabel(args[0], "namespace"), dnsLabel(args[1], "service account")];
    const api = await client();
    const result = await api.json("POST", "/v1/identities", { json: { namespace, serviceAccount } });
    if (values.output === "json") out(JSON.stringify(result, null, 2) + "\n");
    else {
      out(`spiffeId:  ${result.spiffeId}\njoinToken: ${result.joinToken}\n`);
      err("The join token is shown once: keep it where the workload can read it (e.g. ISTHMUS_JOIN_TOKEN for isthmus cert sign).\n");
    }
    return 0;
  },
};

/** @type {import("../command.js").Command} */
const revoke = {
  name: "revoke",
  summary: "Revoke a workload identity: its tokens and certificates stop being accepted",
  usage: "isthmus identity revoke NAMESPACE SERVICE_ACCOUNT",
  examples: [
    ["isthmus identity revoke default reviews", "stop accepting reviews' tokens and certificates"],
  ],
  args: [2, 2],
  server: true,
  async run({ args, out, client }) {
    const [namespace, serviceAccount] = [dnsLabel(args[0], "namespace"), dnsLabel(args[1], "service account")];
    const api = await client();
    const result = await api.json("POST", `/v1/identities/${namespace}/${serviceAccount}/revoke`);
    out(`identity ${result?.spiffeId ?? `${namespace}/${serviceAccount}`} revoked\n`);
    return 0;
  },
};

/** @type {import("../command.js").Command} */
const list = {
  name: "list",
  summary: "List workload identities",
  usage: "isthmus identity list [-o json]",
  examples: [
    ["isthmus identity list -o json", "every workload identity, as JSON"],
  ],
  options: { output: { type: "string", short: "o", value: "FORMAT", description: "json for the raw answer" } },
  server: true,
  async run({ values, out, err, client }) {
    const api = await client();
    const body = await api.json("GET", "/v1/identities");
    if (values.output === "json") {
      out(JSON.stringify(body, null, 2) + "\n");
      return 0;
    }
    const items = listItems(body?.identities ?? body);
    if (items.length === 0) err("No identities.\n");
    else out(table(["SPIFFE ID", "STATUS", "CREATED"], items.map((i) => [i.spiffeId ?? "", i.revoked || i.revokedAt ? "revoked" : (i.status ?? "active"), i.createdAt ?? ""])));
    return 0;
  },
};

/** @type {import("../command.js").Command} */
export default {
  name: "identity",
  summary: "Create, revoke and list workload identities (SPIFFE IDs)",
  usage: "isthmus identity create|revoke|list",
  subcommands: [create, revoke, list],
};
