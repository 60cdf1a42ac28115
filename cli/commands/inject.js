import { relative, resolve } from "node:path";
import { DEFAULT_OUT, injectWorker, JOIN_TOKEN_SECRET } from "../inject/inject.js";

/** @type {import("../command.js").Command} */
export default {
  name: "inject",
  summary: "Mesh an existing Worker project without changing its code",
  usage: "isthmus inject PATH [--out DIR] [--service NAME] [-n NS] [--service-version V]",
  description: `Reads PATH's wrangler.toml / wrangler.json / wrangler.jsonc and writes, to --out
(default PATH/${DEFAULT_OUT}), an entry that wraps the Worker's default export with withMesh
(re-exporting its named exports, e.g. Durable Object classes) and a wrangler config whose
main is that entry, with the mesh's bindings added in every environment: ISTHMUS_CONTROL
(service binding to the control plane's MeshPeer entrypoint), ISTHMUS_SNAPSHOTS (KV for
the last-known-good snapshot) and vars ISTHMUS_SERVICE / ISTHMUS_NAMESPACE /
ISTHMUS_VERSION. The original files are never modified; run it again after changing them
(the output is the same for the same input). Deploy with
"wrangler deploy -c PATH/${DEFAULT_OUT}/wrangler.toml" after setting the secret
${JOIN_TOKEN_SECRET}. Projects it does not understand (no main, service-worker format,
no_bundle, unparsable config) are refused with exit 2 and nothing is written.`,
  options: {
    out: { type: "string", value: "DIR", description: `output directory (default PATH/${DEFAULT_OUT})` },
    service: { type: "string", value: "NAME", description: "service name in the mesh (default: the Worker's name)" },
    namespace: { type: "string", short: "n", value: "NS", default: "default", description: "namespace" },
    "service-version": { type: "string", value: "V", default: "v1", description: "version label (subsets select it)" },
    "control-service": { type: "string", value: "NAME", default: "isthmus-control", description: "the control-plane Worker's name" },
    "sidecar-import": { type: "string", value: "SPECIFIER", description: "module that exports withMesh (default: this installation's workers/sidecar/with-mesh.ts)" },
  },
  args: [1, 1],
  async run({ values, args, io, out, err }) {
    const project = args[0];
    const result = await injectWorker(resolve(io.cwd, project), {
      out: values.out === undefined ? undefined : resolve(io.cwd, values.out),
      service: values.service,
      namespace: values.namespace,
      version: values["service-version"],
      controlService: values["control-service"],
      sidecarImport: values["sidecar-import"],
    });
    const shown = (/** @type {string} */ p) => relative(io.cwd, p) || ".";
    if (result.alreadyInjected) {
      out(`${shown(result.entry)} is already a meshed entry (${result.namespace}/${result.service}); nothing to do\n`);
      return 0;
    }
    out(`injected ${result.namespace}/${result.service} (${result.version}):\n  entry:  ${shown(result.entry)}\n  config: ${shown(result.config)}\n`);
    err(
      `Next: isthmus identity create ${result.namespace} ${result.service}, then\n` +
        `  wrangler secret put ${JOIN_TOKEN_SECRET} -c ${shown(result.config)}\n` +
        `  wrangler deploy -c ${shown(result.config)}\n`,
    );
    return 0;
  },
};
