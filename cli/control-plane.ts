// Test support: the control-plane Worker (wrangler.toml at the root) on workerd through
// Miniflare, built from the same config the local mesh and deploy use.
import { Miniflare } from "miniflare";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
// @ts-expect-error plain ESM without types
import { workerFromConfig } from "../local/worker-options.mjs";

export const ADMIN_TOKEN = "cli-test-admin-token";

export interface ControlPlane {
  url: string;
  mf: Miniflare;
  dispose(): Promise<void>;
}

/** Start a fresh control plane (empty state) listening on its own port. */
export async function startControlPlane(): Promise<ControlPlane> {
  const buildDir = mkdtempSync(join(tmpdir(), "isthmus-cli-cp-"));
  const control = await workerFromConfig("wrangler.toml", { buildDir });
  Object.assign(control.options.bindings, { ISTHMUS_ADMIN_TOKEN: ADMIN_TOKEN, ISTHMUS_CA_WRAPPING_KEY: "cli-test-wrapping-key-0123456789abcdef" });
  // The bundle lives outside the repository: let workerd resolve modules from its folder.
  control.options.modulesRoot = buildDir;
  control.options.unsafeDirectSockets = [{ host: "127.0.0.1", port: 0 }];
  const mf = new Miniflare({ host: "127.0.0.1", port: 0, workers: [control.options] });
  await mf.ready;
  const url = (await mf.unsafeGetDirectURL(control.name)).origin;
  return { url, mf, dispose: () => mf.dispose() };
}
