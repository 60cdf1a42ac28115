import { execFile } from "node:child_process";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));

it("builds the control-plane Worker for deploy with wrangler (dry run, offline)", async () => {
  const outdir = await mkdtemp(join(tmpdir(), "isthmus-deploy-"));
  try {
    const { stdout } = await promisify(execFile)(
      join(root, "node_modules", ".bin", "wrangler"),
      ["deploy", "--dry-run", "--outdir", outdir, "--config", "wrangler.toml"],
      { cwd: root, env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "1" }, timeout: 120_000 },
    );
    expect(stdout).toContain("--dry-run: exiting now.");
    for (const binding of ["env.MESH_CONTROL (MeshControl)", "env.CA (CertificateAuthority)", "env.TELEMETRY (Telemetry)"]) {
      expect(stdout).toContain(binding);
    }
    expect(await readdir(outdir)).toContain("worker.js");
  } finally {
    await rm(outdir, { recursive: true, force: true });
  }
});
