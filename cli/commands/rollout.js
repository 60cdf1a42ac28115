import { NAMESPACE_OPTION } from "../command.js";
import { ApiError, CliError, EXIT, UsageError } from "../errors.js";
import { resourceRef } from "../kinds.js";
import { percent, renderHistory, renderStatus } from "../rollout/render.js";
import { durationMs, watchRollout } from "../rollout/watch.js";

/** @param {string} namespace @param {string} name */
const rolloutPath = (namespace, name) => `/v1/namespaces/${encodeURIComponent(namespace)}/rollouts/${encodeURIComponent(name)}`;

/**
 * Call the API; a refusal is reported with the API's error code first
 * (`rollout_invalid_transition: ...`), so scripts and people see why.
 * @param {import("../client.js").ControlClient} api @param {string} method @param {string} path
 */
async function call(api, method, path) {
  try {
    return await api.json(method, path);
  } catch (error) {
    if (error instanceof ApiError) throw new CliError(`${error.code}: ${error.message}`, { code: error.code, exitCode: error.exitCode, details: error.details });
    throw error;
  }
}

/** @param {string | undefined} format */
function jsonOnly(format) {
  if (format !== undefined && format !== "json") throw new UsageError(`-o ${format}: only json is supported`);
  return format === "json";
}

const OUTPUT = { type: /** @type {const} */ ("string"), short: "o", value: "FORMAT", description: "json for the raw answer" };

/** @type {import("../command.js").Command} */
const status = {
  name: "status",
  summary: "Show a Rollout's phase, canary weight and each step's verdict; --watch follows it live",
  usage: "isthmus rollout status NAME [-n NS] [-w [--interval 2s] [--timeout 10m]] [-o json]",
  examples: [
    ["isthmus rollout status reviews", "phase, weight and each step's verdict with its numbers"],
    ["isthmus rollout status reviews --watch --timeout 30m", "a live view until the rollout is promoted or rolled back (at most 30 minutes)"],
    ["isthmus rollout status reviews -n shop -o json", "the Rollout with its status, as JSON"],
  ],
  description: `A step's verdict is its latest analysis: pass, fail or insufficient_data (too few
requests on a side: the step holds, which never counts as a failure), with the canary's and
the stable version's requests, errors, success rate and latency over the same window.

With --watch the view is redrawn every --interval until the Rollout reaches a terminal
phase (Promoted, RolledBack, Aborted, Failed), --timeout passes, or Ctrl-C. It then exits 0
if promoted, 1 if rolled back, aborted, failed or timed out (so a script can wait on it).
Without a terminal, one view is printed per change.`,
  options: {
    namespace: NAMESPACE_OPTION,
    watch: { type: "boolean", short: "w", description: "keep redrawing until a terminal phase, --timeout or Ctrl-C" },
    interval: { type: "string", value: "DURATION", default: "2s", description: "how often --watch reads the status" },
    timeout: { type: "string", value: "DURATION", description: "give up watching after this long (exit 1), e.g. 30m" },
    output: OUTPUT,
  },
  args: [1, 1],
  server: true,
  async run({ values, args, io, out, err, client }) {
    const json = jsonOnly(values.output);
    const intervalMs = durationMs(values.interval, "--interval");
    const timeoutMs = values.timeout === undefined ? undefined : durationMs(values.timeout, "--timeout");
    if (!values.watch && (values.timeout !== undefined || values.interval !== "2s")) throw new UsageError("--interval and --timeout are for --watch");
    if (values.watch && json) throw new UsageError("--watch prints a live view; -o json is for a single read");
    const api = await client();
    const read = () => call(api, "GET", rolloutPath(values.namespace, args[0]));
    if (!values.watch) {
      const rollout = await read();
      out(json ? JSON.stringify(rollout, null, 2) + "\n" : renderStatus(rollout));
      return EXIT.ok;
    }
    const { ended, rollout } = await watchRollout({ read, render: (r) => renderStatus(r), write: out, tty: Boolean(io.stdout.isTTY), intervalMs, timeoutMs, signal: io.signal });
    const phase = rollout.status?.phase ?? "Pending";
    if (ended === "interrupted") return EXIT.ok;
    if (ended === "timeout") {
      err(`error: timed out after ${values.timeout} waiting for rollout ${args[0]} (phase ${phase}, weight ${percent(rollout.status?.weight ?? 0)})\n`);
      return EXIT.failure;
    }
    return phase === "Promoted" ? EXIT.ok : EXIT.failure;
  },
};

/** @type {import("../command.js").Command} */
const history = {
  name: "history",
  summary: "List a Rollout's transitions and analyses with their verdicts and numbers",
  usage: "isthmus rollout history NAME [-n NS] [-o json]",
  examples: [
    ["isthmus rollout history reviews", "every advance, hold and rollback, with the numbers behind it"],
    ["isthmus rollout history reviews -o json", "the raw history, as JSON"],
  ],
  description: "Oldest first. REVISION is the configuration revision a weight change was written as.",
  options: { namespace: NAMESPACE_OPTION, output: OUTPUT },
  args: [1, 1],
  server: true,
  async run({ values, args, out, err, client }) {
    const json = jsonOnly(values.output);
    const body = await call(await client(), "GET", `${rolloutPath(values.namespace, args[0])}/history`);
    const items = Array.isArray(body?.items) ? body.items : [];
    if (json) out(JSON.stringify(body, null, 2) + "\n");
    else if (items.length === 0) err(`Rollout ${args[0]} has no history yet.\n`);
    else out(renderHistory(items));
    return EXIT.ok;
  },
};

/**
 * A command that POSTs one action (`:promote`, ...) and prints where the Rollout stands after it.
 * @param {string} action @param {string} summary @param {string} what @param {string} description
 * @returns {import("../command.js").Command}
 */
function action(action, summary, what, description) {
  return {
    name: action,
    summary,
    usage: `isthmus rollout ${action} NAME [-n NS] [-o json]`,
    examples: [
      [`isthmus rollout ${action} reviews`, what],
      [`isthmus rollout ${action} reviews -n shop -o json`, "the same in namespace shop; prints the new status as JSON"],
    ],
    description: `${description}\nRefused with rollout_invalid_transition (exit 6) when the phase does not allow it.`,
    options: { namespace: NAMESPACE_OPTION, output: OUTPUT },
    args: [1, 1],
    server: true,
    async run({ values, args, out, client }) {
      const json = jsonOnly(values.output);
      const body = await call(await client(), "POST", `${rolloutPath(values.namespace, args[0])}:${action}`);
      const state = body?.status ?? body ?? {};
      if (json) out(JSON.stringify(state, null, 2) + "\n");
      else out(`${resourceRef("Rollout", args[0])} ${action}: phase ${state.phase ?? "?"}, canary weight ${percent(state.weight ?? 0)}${state.message ? ` (${state.message})` : ""}\n`);
      return EXIT.ok;
    },
  };
}

/** @type {import("../command.js").Command} */
export default {
  name: "rollout",
  summary: "Follow and steer progressive delivery: status, promote, pause, resume, abort, retry, approve, history",
  usage: "isthmus rollout status|promote|pause|resume|abort|retry|approve|history NAME",
  subcommands: [
    status,
    action("promote", "Send all traffic to the canary now, skipping the remaining steps and analyses", "finish the rollout: the canary takes 100%", "Skips the remaining steps: the canary's weight goes to 100 and the Rollout is Promoted."),
    action("pause", "Hold the canary at its current weight until resumed", "stop advancing; analyses and rollback on failure go on", "Holds the current weight: no step advances until resume."),
    action("resume", "Go on advancing a paused Rollout", "let a paused rollout advance again", "Continues from the step where the Rollout was paused."),
    action("abort", "Roll back: all traffic to the stable version now", "send every user back to the stable version", "Sets the canary's weight to 0 and ends the Rollout as Aborted; retry starts it again."),
    action("retry", "Start a rolled-back or aborted Rollout again from its first step", "try the canary again after a rollback or abort", "Starts again from the first step (pre-stage and mirroring, if configured, first)."),
    action("approve", "Pass the manual approval gate of the next step", "let the rollout enter the step that waits for approval", "Only while the Rollout is WaitingApproval, before a step with approval: true."),
    history,
  ],
};
