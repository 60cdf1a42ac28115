import { NAMESPACE_OPTION } from "../command.js";
import { readSources } from "../documents.js";
import { ApiError, UsageError } from "../errors.js";
import { kindOrThrow, resourcePath } from "../resource-paths.js";

/** @type {import("../command.js").Command} */
export default {
  name: "delete",
  summary: "Delete resources by kind and name, or those named in files",
  usage: "isthmus delete KIND NAME [-n NS] | isthmus delete -f FILE|DIR|-",
  examples: [
    ["isthmus delete vs reviews", "delete the VirtualService reviews of namespace default"],
    ["isthmus delete -f canary.yaml --ignore-not-found", "delete what a file describes; succeed when already gone"],
  ],
  options: {
    filename: { type: "string", short: "f", multiple: true, value: "PATH", description: "delete the resources these files describe" },
    namespace: NAMESPACE_OPTION,
    "ignore-not-found": { type: "boolean", description: "succeed when a resource does not exist" },
  },
  args: [0, 2],
  server: true,
  async run({ values, args, io, out, client }) {
    /** @type {{ kind: import("../kinds.js").KindInfo, namespace: string, name: string }[]} */
    let targets;
    if (values.filename) {
      if (args.length > 0) throw new UsageError("give either -f or KIND NAME, not both");
      const docs = await readSources(values.filename, io);
      targets = docs.map((d) => {
        if (typeof d.value?.kind !== "string" || typeof d.value?.metadata?.name !== "string") {
          throw new UsageError(`${d.source}: ${d.label} has no kind or metadata.name`);
        }
        return { kind: kindOrThrow(d.value.kind), namespace: d.value.metadata.namespace ?? values.namespace, name: d.value.metadata.name };
      });
    } else {
      if (args.length !== 2) throw new UsageError("usage: isthmus delete KIND NAME [-n NS]");
      targets = [{ kind: kindOrThrow(args[0]), namespace: values.namespace, name: args[1] }];
    }
    const api = await client();
    let failed = 0;
    for (const t of targets) {
      const ref = `${t.kind.singular}.${t.kind.group} "${t.name}"`;
      try {
        await api.send("DELETE", resourcePath(t.kind, t.namespace, t.name));
        out(`${ref} deleted\n`);
      } catch (error) {
        if (!(error instanceof ApiError) || error.status !== 404) throw error;
        if (values["ignore-not-found"]) continue;
        io.stderr.write(`error: ${ref} not found in namespace ${t.namespace}\n`);
        failed++;
      }
    }
    return failed ? 1 : 0;
  },
};
