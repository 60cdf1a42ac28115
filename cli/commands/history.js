import YAML from "yaml";
import { paintDiff, unifiedDiff } from "../diff.js";
import { UsageError } from "../errors.js";
import { age, table } from "../output.js";
import { listItems } from "../resource-paths.js";

/** @type {import("../command.js").Command} */
export default {
  name: "history",
  summary: "List configuration revisions, show one, or diff two",
  usage: "isthmus history [REVISION] [--diff] [--from REVISION] [-o yaml|json]",
  examples: [
    ["isthmus history", "every revision: who changed what, when"],
    ["isthmus history 12 --diff", "the change revision 12 made, as a unified diff"],
    ["isthmus history 12 --diff --from 9", "what changed from revision 9 to 12"],
  ],
  description: `Every accepted change makes a revision. With REVISION, prints the resources as they
were at that revision; with --diff, what that revision changed (from the previous one,
or from --from).`,
  options: {
    diff: { type: "boolean", description: "show the change REVISION made as a unified diff" },
    from: { type: "string", value: "REVISION", description: "base revision for --diff (default: REVISION - 1)" },
    output: { type: "string", short: "o", value: "FORMAT", description: "yaml or json" },
  },
  args: [0, 1],
  server: true,
  async run({ values, args, out, err, colour, client }) {
    const api = await client();
    const format = values.output;
    if (format && format !== "yaml" && format !== "json") throw new UsageError(`-o ${format}: use yaml or json`);
    if (args.length === 0) {
      if (values.diff || values.from) throw new UsageError("--diff and --from need a REVISION");
      const revisions = listItems(await api.json("GET", "/v1/revisions"));
      if (format) return print(out, format, revisions);
      if (revisions.length === 0) {
        err("No revisions yet.\n");
        return 0;
      }
      out(table(["REVISION", "AGE", "ACTOR", "OPERATION", "CHANGES"], revisions.map((r) => [String(r.number), age(r.createdAt), r.actor ?? "", r.operation ?? "", describeChanges(r)])));
      return 0;
    }
    const to = revisionNumber(args[0]);
    if (!values.diff) {
      if (values.from) throw new UsageError("--from is only for --diff");
      const revision = await api.json("GET", `/v1/revisions/${to}`);
      return print(out, format ?? "yaml", revision);
    }
    // A revision carries each changed resource before and after it; other ranges come as patches.
    const diff = values.from
      ? await api.json("GET", "/v1/revisions/diff", { query: { from: revisionNumber(values.from), to } })
      : { from: to - 1, to, changes: (await api.json("GET", `/v1/revisions/${to}`)).changes };
    out(paintDiff(renderRevisionDiff(diff), colour));
    return 0;
  },
};

/** @param {string} s */
export function revisionNumber(s) {
  if (!/^\d+$/.test(s)) throw new UsageError(`"${s}" is not a revision number`);
  return Number(s);
}

/** @param {(s: string) => void} out @param {string} format @param {unknown} data */
function print(out, format, data) {
  out(format === "json" ? JSON.stringify(data, null, 2) + "\n" : YAML.stringify(data));
  return 0;
}

/** "VirtualService default/reviews configured, ..." @param {any} revision */
function describeChanges(revision) {
  const changes = revision.changes ?? [];
  const shown = changes.slice(0, 3).map((/** @type {any} */ c) => `${c.kind} ${c.namespace}/${c.name} ${c.action}`);
  return changes.length > 3 ? `${shown.join(", ")}, +${changes.length - 3} more` : shown.join(", ") || revision.message || "";
}

/**
 * GET /v1/revisions/diff as unified diffs of each changed resource's YAML (JSON Patch
 * operations when the answer carries no content).
 * @param {{ from: number, to: number, changes: any[] }} diff
 */
export function renderRevisionDiff(diff) {
  return diff.changes
    .map((c) => {
      const ref = `${c.kind}/${c.namespace}/${c.name}`;
      if (!c.before && !c.after) return `${ref} ${c.action}\n${(c.patch ?? []).map((/** @type {any} */ p) => `  ${p.op} ${p.path}${p.value === undefined ? "" : ` ${JSON.stringify(p.value)}`}\n`).join("")}`;
      return unifiedDiff(c.before ? YAML.stringify(c.before) : "", c.after ? YAML.stringify(c.after) : "", { fromName: `revision ${diff.from}/${ref}`, toName: `revision ${diff.to}/${ref}` });
    })
    .join("");
}
