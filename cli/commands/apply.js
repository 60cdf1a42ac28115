import { NAMESPACE_OPTION } from "../command.js";
import { readSources } from "../documents.js";
import { rethrowWithSources } from "../field-errors.js";
import { formatFinding } from "../findings.js";
import { resourceRef } from "../kinds.js";
import { palette } from "../output.js";

/** @type {import("../command.js").Command} */
export default {
  name: "apply",
  summary: "Create or update resources from YAML or JSON files",
  usage: "isthmus apply -f FILE|DIR|- [-f ...] [--dry-run] [-n NS]",
  examples: [
    ["isthmus apply -f demo/bookinfo/config", "apply every YAML file of a directory"],
    ["isthmus apply -f canary.yaml --dry-run", "validate on the server and show what would change, store nothing"],
    ["isthmus apply -f - -n shop", "read resources from standard input into namespace shop"],
  ],
  description: `Files may hold several documents (---), a JSON array or a List. Directories are read
recursively (.yaml, .yml, .json). The server validates every document and stores all of
them or none; errors name the file, document and line of the offending field.`,
  options: {
    filename: { type: "string", short: "f", multiple: true, value: "PATH", description: "file, directory, or - for standard input" },
    "dry-run": { type: "boolean", description: "validate on the server and show what would change, store nothing" },
    namespace: { ...NAMESPACE_OPTION, default: undefined, description: "namespace for documents that name none (default: default)" },
  },
  server: true,
  async run({ values, io, out, err, client }) {
    const docs = await readSources(values.filename ?? [], io);
    if (docs.length === 0) {
      io.stderr.write("no resources found in the given files\n");
      return 0;
    }
    const api = await client();
    let result;
    try {
      result = await api.json("POST", "/v1/apply", { json: docs.map((d) => d.value), query: { dryRun: values["dry-run"] ? "true" : undefined, namespace: values.namespace } });
    } catch (error) {
      rethrowWithSources(error, docs);
    }
    const suffix = values["dry-run"] ? " (server dry run)" : "";
    for (const r of applyResults(result)) out(`${resourceRef(r.kind, r.name)} ${r.action}${suffix}\n`);
    // The analyzer's view of the whole mesh after this change: warnings do not fail apply.
    for (const f of result?.findings ?? []) err(formatFinding(f, palette(io.stderr, io.env)));
    return 0;
  },
};

/**
 * The per-resource outcomes of POST /v1/apply (and PUT): `{ resources: [{ kind, namespace, name, action }] }`.
 * @param {any} result
 * @returns {{ kind: string, name: string, namespace: string, action: "created" | "configured" | "unchanged" }[]}
 */
export function applyResults(result) {
  return Array.isArray(result?.resources) ? result.resources : [];
}
