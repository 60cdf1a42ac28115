// `isthmus dev` and `isthmus deploy` run the repository's own scripts, so the CLI and
// `npm start` / `npm run deploy` cannot drift apart.
import { spawn } from "node:child_process";
import { access } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { CliError } from "../errors.js";

/** @param {string} name @param {string[]} args @param {import("../command.js").Io} io @returns {Promise<number>} */
async function runScript(name, args, io) {
  const script = fileURLToPath(new URL(`../../local/${name}`, import.meta.url));
  await access(script).catch(() => {
    throw new CliError(`local/${name} is missing from this installation`);
  });
  const child = spawn(process.execPath, [script, ...args], { cwd: io.cwd, env: io.env, stdio: "inherit" });
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    // Ctrl-C reaches the child from the terminal too; its exit code is ours.
    child.once("exit", (code, signal) => resolve(code ?? (signal === "SIGINT" ? 130 : 1)));
  });
}

/** @type {import("../command.js").Command} */
export const dev = {
  name: "dev",
  summary: "Run the whole mesh locally on workerd (same as npm start)",
  usage: "isthmus dev",
  examples: [
    ["isthmus dev", "start the local mesh (control plane, gateway, Bookinfo) on workerd"],
  ],
  description: `Starts the control plane (http://127.0.0.1:8787, ISTHMUS_CONTROL_PORT), the gateway
(http://127.0.0.1:8080, ISTHMUS_GATEWAY_PORT; HTTPS on https://127.0.0.1:8443,
ISTHMUS_GATEWAY_TLS_PORT) and the Bookinfo demo; state persists in
.isthmus/ (ISTHMUS_STATE_DIR). Ctrl-C stops everything.`,
  async run({ io }) {
    return runScript("dev.mjs", [], io);
  },
};

/** @type {import("../command.js").Command} */
export const deploy = {
  name: "deploy",
  summary: "Deploy the control plane, services and gateway to Cloudflare (same as npm run deploy)",
  usage: "isthmus deploy [--dry-run] [--env NAME] [--write-bindings] [--snapshots-kv ID] [--generate-secrets FILE]",
  examples: [
    ["isthmus deploy --dry-run", "build every Worker offline and print its bundle size"],
    ["isthmus deploy --env staging", "deploy the staging environment's Workers"],
    ["isthmus deploy --generate-secrets secrets.json", "generate the control plane's secrets for wrangler secret bulk"],
  ],
  description: "With --dry-run, builds every Worker without contacting Cloudflare and prints bundle sizes. Step by step: docs/DEPLOY.md.",
  options: {
    "dry-run": { type: "boolean", description: "build every Worker and print its size; contact nothing" },
    env: { type: "string", value: "NAME", description: "wrangler environment, e.g. staging or production" },
    "write-bindings": { type: "boolean", description: "first add the [[services]] the gateway lacks for the default config's worker:// endpoints" },
    "snapshots-kv": { type: "string", value: "ID", description: "first write this KV namespace id into every ISTHMUS_SNAPSHOTS binding" },
    "generate-secrets": { type: "string", value: "FILE", description: "only write new control-plane secrets to FILE (JSON for wrangler secret bulk)" },
  },
  async run({ values, io }) {
    const args = [
      ...(values["dry-run"] ? ["--dry-run"] : []),
      ...(values.env ? ["--env", values.env] : []),
      ...(values["write-bindings"] ? ["--write-bindings"] : []),
      ...(values["snapshots-kv"] ? ["--snapshots-kv", values["snapshots-kv"]] : []),
      ...(values["generate-secrets"] ? ["--generate-secrets", values["generate-secrets"]] : []),
    ];
    return runScript("deploy-command.mjs", args, io);
  },
};
