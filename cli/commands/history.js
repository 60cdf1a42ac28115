import YAML from "yaml";
import { unifiedDiff } from "../diff.js";
import { UsageError } from "../errors.js";
import { age, table } from "../output.js";
import { listItems } from "../resource-paths.js";

/** @type {import("../command.js").Command} */
export default {
  name: "history",
  summary: "List configuration revisions, show one, or diff two",
  usage: "isthmus history [REVISION] [--diff] [--from REVISION] [-o yaml|json]",
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
  async run({ values, args, out, client }) {
    const api = await client();
    const format = values.output;
    if (format && format !== "yaml" && format !== "json") throw new UsageError(`-o ${format}: use yaml or json`);
    if (args.length === 0) {
      if (values.diff || values.from) throw new UsageError("--diff and --from need a REVISION");
      const revisions = listItems(await api.json("GET", "/v1/revisions"));
      if (format) return print(out, format, revisions);
      out(
        table(
          ["REVISION", "AGE", "AUTHOR", "CHANGE"],
          revisions.map((r) => [String(r.revision ?? r.version ?? ""), age(r.createdAt ?? r.timestamp), r.author ?? r.actor ?? "", r.summary ?? r.description ?? r.change ?? ""]),
        ),
      );
      return 0;
    }
    const to = revisionNumber(args[0]);
    if (!values.diff) {
      if (values.from) throw new UsageError("--from is only for --diff");
      const revision = await api.json("GET", `/v1/revisions/${to}`);
      return print(out, format ?? "yaml", revision);
    }
    const from = values.from ? revisionNumber(values.from) : to - 1;
    const body = await api.send("GET", "/v1/revisions/diff", { query: { from, to }, accept: "text/plain, application/json" });
    const text = await body.text();
    out(body.headers.get("content-type")?.includes("json") ? diffFromJson(JSON.parse(text), from, to) : text);
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

/**
 * A JSON diff answer: a `diff` text, or per-resource `before`/`after` which we render.
 * @param {any} body @param {number} from @param {number} to
 */
function diffFromJson(body, from, to) {
  if (typeof body?.diff === "string") return body.diff;
  const changes = listItems(body?.changes ?? body);
  return changes
    .map((c) => {
      const r = c.after ?? c.before ?? {};
      const ref = `${String(r.kind ?? c.kind).toLowerCase()}/${r.metadata?.namespace ?? c.namespace}/${r.metadata?.name ?? c.name}`;
      return unifiedDiff(c.before ? YAML.stringify(c.before) : "", c.after ? YAML.stringify(c.after) : "", { fromName: `revision ${from}/${ref}`, toName: `revision ${to}/${ref}` });
    })
    .join("");
}
