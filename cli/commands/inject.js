import { relative, resolve } from "node:path";
import { paintDiff, unifiedDiff } from "../diff.js";
import { DEFAULT_OUT, injectWorker } from "../inject/inject.js";
import { MESH_PACKAGE, MESH_VERSION } from "../release.js";

/** @type {import("../command.js").Command} */
export default {
  name: "inject",
  summary: "Mesh an existing Worker project without changing its code",
  usage: "isthmus inject PATH [--out DIR] [--service NAME] [-n NS] [--service-account SA] [--service-version V] [--snapshots-kv [ENV=]ID] [--dry-run]",
  description: `Reads PATH's wrangler.toml / wrangler.json / wrangler.jsonc and writes, to --out
(default PATH/${DEFAULT_OUT}), an entry that wraps the Worker's default export with withMesh
from ${MESH_PACKAGE} (re-exporting its named exports, e.g. Durable Object classes) and a
wrangler config whose main is that entry, with the mesh's bindings added in every environment: ISTHMUS_CONTROL
(service binding to the control plane's MeshPeer entrypoint; its props, the namespace and
service account, are the workload identity the CA issues), ISTHMUS_SNAPSHOTS (KV for the
last-known-good snapshot: the mesh's one namespace, whose id --snapshots-kv gives, see
docs/DEPLOY.md step 3) and vars ISTHMUS_SERVICE / ISTHMUS_NAMESPACE /
ISTHMUS_SERVICE_ACCOUNT / ISTHMUS_VERSION, which the entry reads. The Worker gets
workers_dev = false and preview_urls = false (only the gateway is public) and the
nodejs_als compatibility flag. No secret is needed. The Worker's own files are never
modified; its package.json gains "${MESH_PACKAGE}": "${MESH_VERSION}" in dependencies unless it
already depends on ${MESH_PACKAGE} (run npm install after). Running it again writes nothing
unless the input changed, and --dry-run prints the diff of what it would write. Deploy
with "wrangler deploy -c PATH/${DEFAULT_OUT}/wrangler.toml".
Projects it does not understand (no main, service-worker format, no_bundle, routes of their
own, unparsable config) are refused with exit 2 and nothing is written.`,
  options: {
    out: { type: "string", value: "DIR", description: `output directory (default PATH/${DEFAULT_OUT})` },
    service: { type: "string", value: "NAME", description: "service name in the mesh (default: the Worker's name)" },
    namespace: { type: "string", short: "n", value: "NS", default: "default", description: "namespace of the workload identity" },
    "service-account": { type: "string", value: "SA", description: "service account of the workload identity (default: the service name)" },
    "service-version": { type: "string", value: "V", default: "v1", description: "version label (subsets select it)" },
    "control-service": { type: "string", value: "NAME", default: "isthmus-control", description: "the control-plane Worker's name" },
    "snapshots-kv": { type: "string", multiple: true, value: "[ENV=]ID", description: "the mesh's ISTHMUS_SNAPSHOTS KV namespace id (npx wrangler kv namespace create isthmus-snapshots); ENV=ID for environment ENV" },
    "sidecar-import": { type: "string", value: "SPECIFIER", description: `module that exports withMesh (default ${MESH_PACKAGE}; given, package.json is left alone)` },
    "dry-run": { type: "boolean", description: "print the diff of what would be written; write nothing" },
  },
  examples: [
    ["isthmus inject ./my-worker", "mesh the Worker in ./my-worker as service <its name>, namespace default"],
    ["isthmus inject ./reviews --service reviews -n shop --service-account reviews --service-version v2", "version v2 of reviews in namespace shop"],
    ["isthmus inject ./my-worker --snapshots-kv 0f2ac74b498b48028cb68387c421e279", "bind the mesh's snapshots namespace, ready to deploy"],
    ["isthmus inject ./my-worker --dry-run", "show what would change, write nothing"],
  ],
  args: [1, 1],
  async run({ values, args, io, out, err, colour }) {
    const project = args[0];
    const dryRun = Boolean(values["dry-run"]);
    const result = await injectWorker(resolve(io.cwd, project), {
      out: values.out === undefined ? undefined : resolve(io.cwd, values.out),
      service: values.service,
      namespace: values.namespace,
      serviceAccount: values["service-account"],
      version: values["service-version"],
      controlService: values["control-service"],
      sidecarImport: values["sidecar-import"],
      snapshotsKv: values["snapshots-kv"],
      dryRun,
    });
    const shown = (/** @type {string} */ p) => relative(io.cwd, p) || ".";
    if (result.alreadyInjected) {
      out(`${shown(result.entry)} is already a meshed entry (${result.namespace}/${result.service}); nothing to do\n`);
      return 0;
    }
    const who = `${result.namespace}/${result.service} (${result.version}, service account ${result.serviceAccount})`;
    const noSnapshotsKv = result.missingSnapshotsKv.length > 0;
    if (noSnapshotsKv) {
      err(`note: ISTHMUS_SNAPSHOTS has no KV namespace id (${result.missingSnapshotsKv.join(", ")}): deployed so, wrangler would give this Worker a namespace of its own, where the control plane's last-known-good snapshot never is\n`);
    }
    // Run again with the id before deploying (docs/DEPLOY.md step 3 creates the namespace).
    const snapshotsStep = noSnapshotsKv ? `isthmus inject ${project} again with --snapshots-kv [ENV=]ID (npx wrangler kv namespace create isthmus-snapshots prints it), then ` : "";
    if (dryRun) {
      for (const change of result.changes) {
        const diff = unifiedDiff(change.before ?? "", change.after, { fromName: change.before === null ? "/dev/null" : shown(change.path), toName: shown(change.path) });
        out(paintDiff(diff, colour));
      }
      err(result.changes.length === 0 ? `${who}: up to date, nothing would change\n` : `dry run: would inject ${who}; nothing written\n`);
      return 0;
    }
    if (result.changes.length === 0) {
      out(`${who} is up to date: ${shown(result.entry)} and ${shown(result.config)} unchanged\n`);
      return 0;
    }
    const dependency = result.changes.find((change) => change.path.endsWith("package.json"));
    out(`injected ${who}:\n  entry:  ${shown(result.entry)}\n  config: ${shown(result.config)}\n${dependency ? `  added:  ${MESH_PACKAGE}@${MESH_VERSION} to ${shown(dependency.path)}\n` : ""}`);
    if (result.missingDependency) err(`note: ${shown(resolve(io.cwd, project))} has no package.json: install ${result.missingDependency} there\n`);
    err(`Next: ${dependency ? "npm install, then " : ""}${snapshotsStep}wrangler deploy -c ${shown(result.config)}\n`);
    return 0;
  },
};
