import { configPath, loadConfig, saveConfig } from "../config.js";
import { UsageError } from "../errors.js";
import { table } from "../output.js";

/** @type {import("../command.js").Command} */
const useContext = {
  name: "use-context",
  summary: "Make NAME the current context",
  usage: "isthmus config use-context NAME",
  examples: [
    ["isthmus config use-context prod", "talk to the prod context's control plane from now on"],
  ],
  args: [1, 1],
  async run({ args, io, out }) {
    const path = configPath(io.env);
    const config = await loadConfig(path);
    if (!config.contexts.some((c) => c.name === args[0])) throw new UsageError(`no context named "${args[0]}" in ${path}`);
    await saveConfig(path, { ...config, "current-context": args[0] });
    out(`Switched to context "${args[0]}".\n`);
    return 0;
  },
};

/** @type {import("../command.js").Command} */
const setContext = {
  name: "set-context",
  summary: "Create or update context NAME",
  usage: "isthmus config set-context NAME [--server URL] [--token TOKEN] [--use]",
  examples: [
    ["isthmus config set-context prod --server https://isthmus-control.example.workers.dev --token TOKEN --use", "add a deployed control plane and switch to it"],
    ["isthmus config set-context local --server http://127.0.0.1:8787", "the local mesh, with its admin token from .isthmus/admin-token"],
  ],
  options: {
    server: { type: "string", value: "URL", description: "control API URL of this context" },
    token: { type: "string", value: "TOKEN", description: "bearer token of this context" },
    use: { type: "boolean", description: "also make it the current context" },
  },
  args: [1, 1],
  async run({ values, args, io, out }) {
    if (values.server !== undefined) {
      try {
        new URL(values.server);
      } catch {
        throw new UsageError(`--server "${values.server}" is not a URL`);
      }
    }
    const path = configPath(io.env);
    const config = await loadConfig(path);
    const existing = config.contexts.find((c) => c.name === args[0]);
    const context = { ...existing, name: args[0], ...(values.server !== undefined && { server: values.server }), ...(values.token !== undefined && { token: values.token }) };
    const contexts = existing ? config.contexts.map((c) => (c === existing ? context : c)) : [...config.contexts, context];
    await saveConfig(path, { ...config, contexts, ...(values.use && { "current-context": args[0] }) });
    out(`Context "${args[0]}" ${existing ? "modified" : "created"}.\n`);
    return 0;
  },
};

/** @type {import("../command.js").Command} */
const getContexts = {
  name: "get-contexts",
  summary: "List the contexts of the config file",
  usage: "isthmus config get-contexts",
  examples: [
    ["isthmus config get-contexts", "list the contexts of the config file, the current one marked"],
  ],
  async run({ io, out }) {
    const config = await loadConfig(configPath(io.env));
    out(table(["CURRENT", "NAME", "SERVER"], config.contexts.map((c) => [c.name === config["current-context"] ? "*" : "", c.name, c.server ?? ""])));
    return 0;
  },
};

/** @type {import("../command.js").Command} */
const currentContext = {
  name: "current-context",
  summary: "Print the current context's name",
  usage: "isthmus config current-context",
  examples: [
    ["isthmus config current-context", "print the current context's name"],
  ],
  async run({ io, out }) {
    const config = await loadConfig(configPath(io.env));
    if (!config["current-context"]) throw new UsageError("no current context is set");
    out(`${config["current-context"]}\n`);
    return 0;
  },
};

/** @type {import("../command.js").Command} */
export default {
  name: "config",
  summary: "Manage contexts (server and token pairs) in the config file",
  usage: "isthmus config use-context|set-context|get-contexts|current-context",
  subcommands: [useContext, setContext, getContexts, currentContext],
};
