// Bundle size of each Worker as deployed: esbuild with wrangler's resolution (local/build.mjs),
// raw and gzip; what `wrangler deploy` uploads before its own compression.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { buildWorker } from "../../../local/build.mjs";

const WORKERS = [
  ["control plane (controlplane/worker.ts)", "controlplane/worker.ts"],
  ["gateway (workers/gateway/worker.ts)", "workers/gateway/worker.ts"],
  ["standalone sidecar (workers/sidecar/worker.ts)", "workers/sidecar/worker.ts"],
  ["a service wrapped with withMesh (test/bench/workers/echo-meshed.ts)", "test/bench/workers/echo-meshed.ts"],
  ["the trivial service alone (test/bench/workers/echo.ts)", "test/bench/workers/echo.ts"],
];

export async function measureBundles(buildDir) {
  const rows = [];
  for (const [label, entry] of WORKERS) {
    const out = await buildWorker(entry, join(buildDir, "bundles", entry.replace(/[/.]/g, "_") + ".mjs"));
    const bytes = await readFile(out);
    rows.push({ label, raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length });
  }
  return rows;
}
