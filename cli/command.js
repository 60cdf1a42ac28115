// Command definitions, argument parsing and generated --help, so every command's help
// lists exactly the options it accepts.
import { parseArgs } from "node:util";
import { ControlClient } from "./client.js";
import { resolveEndpoint } from "./config.js";
import { UsageError } from "./errors.js";
import { palette } from "./output.js";

/**
 * @typedef {{ type: "string" | "boolean", short?: string, multiple?: boolean, default?: string | boolean, value?: string, description: string }} OptionSpec
 *
 * @typedef {{
 *   stdout: { write(s: string): unknown, isTTY?: boolean },
 *   stderr: { write(s: string): unknown, isTTY?: boolean },
 *   env: Record<string, string | undefined>,
 *   cwd: string,
 *   readStdin: () => Promise<string>,
 *   signal?: AbortSignal,
 * }} Io
 *
 * @typedef {{
 *   values: Record<string, any>,
 *   args: string[],
 *   io: Io,
 *   out: (s: string) => void,
 *   err: (s: string) => void,
 *   colour: ReturnType<typeof palette>,
 *   client: () => Promise<ControlClient>,
 * }} Context
 *
 * @typedef {{
 *   name: string,
 *   summary: string,
 *   usage: string,
 *   description?: string,
 *   options?: Record<string, OptionSpec>,
 *   examples?: Example[],
 *   args?: [min: number, max: number],
 *   server?: boolean,
 *   run?: (ctx: Context) => Promise<number>,
 *   subcommands?: Command[],
 * }} Command
 */

/** A command line and what it does, for the help's Examples section. @typedef {[commandLine: string, what: string]} Example */

/** Options every command talking to the control plane accepts. @type {Record<string, OptionSpec>} */
export const SERVER_OPTIONS = {
  server: { type: "string", value: "URL", description: "control API URL (env ISTHMUS_SERVER; default http://127.0.0.1:8787)" },
  token: { type: "string", value: "TOKEN", description: "bearer token (env ISTHMUS_TOKEN; default: the local mesh's admin token)" },
  context: { type: "string", value: "NAME", description: "context from the config file to use instead of current-context" },
};

/** @type {Record<string, OptionSpec>} */
const HELP_OPTION = { help: { type: "boolean", short: "h", description: "show this help" } };

/** @type {OptionSpec} */
export const NAMESPACE_OPTION = { type: "string", short: "n", value: "NS", default: "default", description: "namespace" };

/**
 * Parse `argv` for `command` (already stripped of the command words) and run it.
 * @param {Command} command @param {string[]} argv @param {Io} io @param {string} prefix
 */
export async function runCommand(command, argv, io, prefix) {
  if (command.subcommands) {
    const [word, ...rest] = argv;
    if (word === undefined || word === "-h" || word === "--help" || word === "help") {
      const text = groupHelp(command, prefix);
      if (word === undefined) {
        io.stderr.write(text);
        return 2;
      }
      io.stdout.write(text);
      return 0;
    }
    const sub = command.subcommands.find((c) => c.name === word);
    if (!sub) throw new UsageError(`unknown command "${prefix} ${word}"; see "${prefix} --help"`);
    return runCommand(sub, rest, io, `${prefix} ${word}`);
  }
  const options = allOptions(command);
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: /** @type {any} */ (stripDescriptions(options)), allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`${/** @type {Error} */ (error).message.replace(/\. To specify a positional.*$/s, "")}; see "${prefix} --help"`);
  }
  if (/** @type {Record<string, unknown>} */ (parsed.values).help) {
    io.stdout.write(commandHelp(command, prefix));
    return 0;
  }
  const [min, max] = command.args ?? [0, 0];
  if (parsed.positionals.length < min) throw new UsageError(`missing arguments; usage: ${command.usage}`);
  if (parsed.positionals.length > max) throw new UsageError(`unexpected argument "${parsed.positionals[max]}"; usage: ${command.usage}`);

  /** @type {ControlClient | undefined} */
  let client;
  const values = parsed.values;
  /** @type {Context} */
  const ctx = {
    values,
    args: parsed.positionals,
    io,
    out: (s) => void io.stdout.write(s),
    err: (s) => void io.stderr.write(s),
    colour: palette(io.stdout, io.env),
    client: async () => (client ??= new ControlClient(await resolveEndpoint(values, io.env, io.cwd))),
  };
  return /** @type {NonNullable<Command["run"]>} */ (command.run)(ctx);
}

/** @param {Command} command */
function allOptions(command) {
  return { ...(command.server ? SERVER_OPTIONS : {}), ...command.options, ...HELP_OPTION };
}

/** @param {Record<string, OptionSpec>} options */
function stripDescriptions(options) {
  return Object.fromEntries(Object.entries(options).map(([k, { description, value, ...rest }]) => [k, rest]));
}

/** @param {Command} command @param {string} prefix */
export function commandHelp(command, prefix) {
  let text = `${command.summary}\n\nUsage:\n  ${command.usage}\n`;
  if (command.description) text += `\n${command.description.trimEnd()}\n`;
  const own = { ...command.options, ...HELP_OPTION };
  text += `\nOptions:\n${optionLines(own)}`;
  if (command.server) {
    // A command may give a server option its own meaning (cert sign's --token is a join token).
    const shared = Object.fromEntries(Object.entries(SERVER_OPTIONS).filter(([k]) => !command.options?.[k]));
    text += `\nServer options:\n${optionLines(shared)}`;
  }
  return text + exampleLines(command.examples ?? []);
}

/** @param {Command} group @param {string} prefix */
export function groupHelp(group, prefix) {
  const subs = /** @type {Command[]} */ (group.subcommands);
  const width = Math.max(...subs.map((c) => c.name.length));
  return `${group.summary}\n\nUsage:\n  ${prefix} COMMAND [options]\n\nCommands:\n${subs
    .map((c) => `  ${c.name.padEnd(width)}   ${c.summary}\n`)
    .join("")}${exampleLines(subs.map((c) => c.examples?.[0]).filter((e) => e !== undefined))}\nRun "${prefix} COMMAND --help" for a command's options.\n`;
}

/** kubectl's layout: a comment saying what, then the command line. @param {Example[]} examples */
export function exampleLines(examples) {
  if (examples.length === 0) return "";
  return `\nExamples:\n${examples.map(([line, what]) => `  # ${what}\n  ${line}\n`).join("\n")}`;
}

/** @param {Record<string, OptionSpec>} options */
function optionLines(options) {
  const rows = Object.entries(options).map(([name, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : "    "}--${name}${o.type === "string" ? ` ${o.value ?? "VALUE"}` : ""}`;
    const extra = o.default !== undefined && o.type === "string" ? ` (default ${o.default})` : "";
    return [flag, `${o.description}${o.multiple ? " (repeatable)" : ""}${extra}`];
  });
  const width = Math.max(...rows.map((r) => r[0].length));
  return rows.map(([f, d]) => `  ${f.padEnd(width)}   ${d}\n`).join("");
}
