import { NAMESPACE_OPTION } from "../command.js";
import { readSources } from "../documents.js";
import { rethrowWithSources } from "../field-errors.js";
import { resourceRef } from "../kinds.js";

/** @type {import("../command.js").Command} */
export default {
  name: "apply",
  summary: "Create or update resources from YAML or JSON files",
  usage: "isthmus apply -f FILE|DIR|- [-f ...] [--dry-run] [-n NS]",
  description: `Files may hold several documents (---), a JSON array or a List. Directories are read
recursively (.yaml, .yml, .json). The server validates every document and stores all of
them or none; errors name the file, document and line of the offending field.`,
  options: {
    filename: { type: "string", short: "f", multiple: true, value: "PATH", description: "file, directory, or - for standard input" },
    "dry-run": { type: "boolean", description: "validate on the server and show what would change, store nothing" },
    namespace: { ...NAMESPACE_OPTION, default: undefined, description: "namespace for documents that name none (default: default)" },
  },
  server: true,
  async run({ values, io, out, client }) {
    const docs = await readSources(values.filename ?? [], io);
    if (docs.length === 0) {
      io.stderr.write("no resources found in the given files\n");
      return 0;
    }
    const body = docs.map((d) => withNamespace(d.value, values.namespace));
    const api = await client();
    let result;
    try {
      result = await api.json("POST", "/v1/apply", { json: body, query: { dryRun: values["dry-run"] ? "true" : undefined } });
    } catch (error) {
      rethrowWithSources(error, docs);
    }
    const suffix = values["dry-run"] ? " (server dry run)" : "";
    for (const r of applyResults(result)) out(`${resourceRef(r.kind, r.name)} ${r.action}${suffix}\n`);
    return 0;
  },
};

/** @param {any} doc @param {string | undefined} namespace */
function withNamespace(doc, namespace) {
  if (!namespace || !doc || typeof doc !== "object" || Array.isArray(doc)) return doc;
  if (doc.metadata?.namespace) return doc;
  return { ...doc, metadata: { ...doc.metadata, namespace } };
}

/**
 * The per-resource outcomes of POST /v1/apply.
 * @param {any} result
 * @returns {{ kind: string, name: string, namespace?: string, action: string, resource?: any }[]}
 */
export function applyResults(result) {
  const list = Array.isArray(result) ? result : (result?.results ?? result?.items ?? []);
  return list.map((/** @type {any} */ r) => {
    const resource = r.resource ?? r.object ?? (r.metadata ? r : undefined);
    return {
      kind: r.kind ?? resource?.kind,
      name: r.name ?? resource?.metadata?.name,
      namespace: r.namespace ?? resource?.metadata?.namespace,
      action: r.action ?? r.outcome ?? r.status ?? r.result ?? "configured",
      resource,
    };
  });
}
