// The data plane's bundles carry no schema library: every isolate would pay for it at start-up
// (snapshots are checked by hand, dataplane/config/snapshot-shape.ts). A value import of a
// module that builds zod schemas (a resource schema, a contracts/ schema) brings it back.
import { build } from "esbuild";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** The repository's own files whose value imports pull zod into `entry`'s bundle. */
async function zodImporters(entry: string): Promise<string[]> {
  const { metafile } = await build({
    entryPoints: [join(root, entry)],
    absWorkingDir: root,
    bundle: true,
    write: false,
    metafile: true,
    format: "esm",
    platform: "neutral",
    mainFields: ["browser", "module", "main"],
    conditions: ["workerd", "worker", "browser", "import"],
    external: ["cloudflare:*", "node:*"],
    logLevel: "silent",
  });
  const importers = new Set<string>();
  for (const [file, input] of Object.entries(metafile.inputs)) {
    if (file.includes("node_modules")) continue;
    if (input.imports.some((i) => i.path.includes("node_modules/zod/"))) importers.add(file);
  }
  return [...importers].sort();
}

describe("the data plane's bundles", () => {
  it.each(["workers/gateway/worker.ts", "workers/sidecar/worker.ts", "workers/sidecar/with-mesh.ts"])("%s has no zod", async (entry) => {
    expect(await zodImporters(entry)).toEqual([]);
  });

  it("the check names a file that brings zod in", async () => {
    expect(await zodImporters("contracts/snapshot/stamp.ts")).toContain("contracts/snapshot/schema.ts");
  });
});
