// Entry of the isthmus CLI: picks the command, runs it, turns errors into exit codes.
import { exampleLines, runCommand } from "./command.js";
import { COMMANDS } from "./commands/index.js";
import { CliError, EXIT } from "./errors.js";
import { palette } from "./output.js";

/**
 * Run the CLI with `argv` (without node and script); resolves to the exit code.
 * @param {string[]} argv @param {import("./command.js").Io} io
 * @returns {Promise<number>}
 */
export async function main(argv, io) {
  const [word, ...rest] = argv;
  if (word === undefined) {
    io.stderr.write(topHelp());
    return EXIT.usage;
  }
  if (word === "-h" || word === "--help" || (word === "help" && rest.length === 0)) {
    io.stdout.write(topHelp());
    return EXIT.ok;
  }
  if (word === "help") return main([...rest, "--help"], io);
  if (word === "--version" || word === "-v") return main(["version", "--client"], io);
  const command = COMMANDS.find((c) => c.name === word);
  try {
    if (!command) {
      io.stderr.write(`error: unknown command "${word}"; see "isthmus --help"\n`);
      return EXIT.usage;
    }
    return await runCommand(command, rest, io, `isthmus ${word}`);
  } catch (error) {
    return report(error, io);
  }
}

/** @param {unknown} error @param {import("./command.js").Io} io */
function report(error, io) {
  const red = palette(io.stderr, io.env).red;
  if (error instanceof CliError) {
    io.stderr.write(`${red("error:")} ${error.message}\n`);
    for (const d of error.details) io.stderr.write(`  ${d.path ? `${d.path}: ` : ""}${d.message}\n`);
    return error.exitCode;
  }
  io.stderr.write(`${red("error:")} ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return EXIT.failure;
}

function topHelp() {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `isthmus: the command line of the Isthmus service mesh for Cloudflare Workers

Usage:
  isthmus COMMAND [options]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}   ${c.summary}\n`).join("")}${exampleLines([
    ["isthmus apply -f demo/bookinfo/config", "apply Istio resources to the mesh"],
    ["isthmus describe service reviews", "what applies to a service"],
    ["isthmus split reviews v1=90 v2=10", "shift traffic between versions"],
  ])}
Run "isthmus COMMAND --help" for a command's options.
Server and token come from --server/--token, then ISTHMUS_SERVER/ISTHMUS_TOKEN, then the
config file's current context ($ISTHMUS_CONFIG, else $XDG_CONFIG_HOME/isthmus/config.yaml,
else ~/.config/isthmus/config.yaml), then the local mesh (http://127.0.0.1:8787 and its
admin token: ISTHMUS_ADMIN_TOKEN or .isthmus/admin-token).

Exit codes: 0 ok, 1 error or differences found, 2 usage error, 3 server unreachable,
4 authentication or permission refused, 5 invalid input, 6 conflict.
`;
}
