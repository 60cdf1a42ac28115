import { CliError, UsageError } from "../errors.js";
import { CLI_VERSION } from "../release.js";

/** @type {import("../command.js").Command} */
export default {
  name: "version",
  summary: "Print the CLI's and the control plane's versions",
  usage: "isthmus version [--client] [-o json]",
  description: `The control plane's version comes from GET /v1/version (viewer token). When it cannot
be asked, the client's version is still printed and the exit code says why (3 unreachable,
4 refused). A client and server of different versions are named on stderr.`,
  options: {
    client: { type: "boolean", description: "only the CLI's version; do not contact the control plane" },
    output: { type: "string", short: "o", value: "FORMAT", description: "json for {clientVersion, serverVersion, server}" },
  },
  examples: [
    ["isthmus version", "the CLI's and the control plane's versions"],
    ["isthmus version --client", "the CLI's version only (also isthmus --version)"],
    ["isthmus version -o json --context prod", "both, as JSON, for the prod context's control plane"],
  ],
  server: true,
  async run({ values, out, err, client }) {
    if (values.output !== undefined && values.output !== "json") throw new UsageError(`-o ${values.output}: only json is supported`);
    const clientVersion = CLI_VERSION;
    if (values.client) {
      out(values.output === "json" ? `${JSON.stringify({ clientVersion }, null, 2)}\n` : `isthmus ${clientVersion}\n`);
      return 0;
    }
    const api = await client();
    /** @type {string | null} */
    let serverVersion = null;
    /** @type {CliError | null} */
    let failure = null;
    try {
      serverVersion = String((await api.json("GET", "/v1/version"))?.version);
    } catch (error) {
      if (!(error instanceof CliError)) throw error;
      failure = error;
    }
    if (values.output === "json") out(`${JSON.stringify({ clientVersion, serverVersion, server: api.server }, null, 2)}\n`);
    else out(`Client Version: ${clientVersion}\n${serverVersion === null ? "" : `Server Version: ${serverVersion} (${api.server})\n`}`);
    if (failure) throw failure;
    if (serverVersion !== clientVersion) err(`warning: the CLI (${clientVersion}) and the control plane (${serverVersion}) are different versions\n`);
    return 0;
  },
};
