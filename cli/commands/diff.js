import YAML from "yaml";
import { NAMESPACE_OPTION } from "../command.js";
import { paintDiff, unifiedDiff } from "../diff.js";
import { readSources } from "../documents.js";
import { ApiError } from "../errors.js";
import { rethrowWithSources } from "../field-errors.js";
import { kindOrThrow, resourcePath } from "../resource-paths.js";
import { applyResults } from "./apply.js";

/** Fields the server sets on every write; they would make every diff noisy. */
const SERVER_FIELDS = ["resourceVersion", "generation", "creationTimestamp", "uid", "managedFields"];

/** @type {import("../command.js").Command} */
export default {
  name: "diff",
  summary: "Show what applying files would change (exit 1 when something would)",
  usage: "isthmus diff -f FILE|DIR|- [-n NS]",
  examples: [
    ["isthmus diff -f demo/bookinfo/config", "unified diff of the files against the stored resources (exit 1 when they differ)"],
    ["isthmus diff -f - -n shop", "compare resources from standard input in namespace shop"],
  ],
  description: `The server validates the files in a dry run; the result is compared with what is
stored now and printed as a unified diff. Exit status: 0 no differences, 1 differences
found, >1 an error (as kubectl diff).`,
  options: {
    filename: { type: "string", short: "f", multiple: true, value: "PATH", description: "file, directory, or - for standard input" },
    namespace: { ...NAMESPACE_OPTION, default: undefined, description: "namespace for documents that name none (default: default)" },
  },
  server: true,
  async run({ values, io, out, colour, client }) {
    const docs = await readSources(values.filename ?? [], io);
    const api = await client();
    const body = docs.map((d) => d.value);
    let result;
    try {
      result = await api.json("POST", "/v1/apply", { json: body, query: { dryRun: "true", namespace: values.namespace } });
    } catch (error) {
      rethrowWithSources(error, docs);
    }
    const results = applyResults(result);
    let changed = false;
    for (const [i, r] of results.entries()) {
      if (r.action === "unchanged") continue;
      const kind = kindOrThrow(r.kind);
      const namespace = r.namespace;
      // The dry run says what would happen, not the stored form: show the document as given.
      const proposed = { ...body[i], metadata: { ...body[i].metadata, namespace } };
      let current = null;
      if (r.action !== "created") {
        try {
          current = await api.json("GET", resourcePath(kind, namespace, r.name));
        } catch (error) {
          if (!(error instanceof ApiError && error.status === 404)) throw error;
        }
      }
      const ref = `${kind.singular}.${kind.group}/${namespace}/${r.name}`;
      const text = unifiedDiff(current ? render(current) : "", render(proposed), { fromName: `live/${ref}`, toName: `merged/${ref}` });
      if (!text) continue;
      changed = true;
      out(paintDiff(text, colour));
    }
    return changed ? 1 : 0;
  },
};

/** @param {any} resource */
function render(resource) {
  const metadata = { ...resource.metadata };
  for (const f of SERVER_FIELDS) delete metadata[f];
  return YAML.stringify({ ...resource, metadata }, { sortMapEntries: false });
}
