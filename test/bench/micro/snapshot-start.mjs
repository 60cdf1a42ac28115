// `node test/bench/micro/snapshot-start.mjs [routes] [--no-regex]`: bundles snapshot-start.ts
// as the Workers are bundled and prints one cold measurement as JSON.
import { join } from "node:path";
import { tmpdir } from "node:os";
import { pathToFileURL } from "node:url";
import { buildWorker } from "../../../local/build.mjs";

const out = await buildWorker("test/bench/micro/snapshot-start.ts", join(tmpdir(), `isthmus-snapshot-start-${process.pid}.mjs`));
const { snapshotStart } = await import(pathToFileURL(out).href);
const routes = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 1000);
console.log(JSON.stringify(await snapshotStart(routes, { regex: !process.argv.includes("--no-regex") })));
