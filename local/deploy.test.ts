import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { deployAll, GZIP_LIMIT_BYTES, planDeploy, secretCommands } from "./deploy.mjs";
import { ALL_CONFIGS } from "./topology.mjs";

describe("deploy", () => {
  const dirs: string[] = [];
  afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

  it("plans control plane first, gateway last, and refuses an environment a config lacks", async () => {
    const plan = await planDeploy();
    expect(plan.map((w) => w.config)).toEqual(ALL_CONFIGS);
    expect(plan[0]).toMatchObject({ name: "isthmus-control", secrets: ["ISTHMUS_ADMIN_TOKEN", "ISTHMUS_CA_WRAPPING_KEY"] });
    expect(plan.at(-1)!.name).toBe("isthmus-gateway");
    await expect(planDeploy({ env: "no-such-env" })).rejects.toMatchObject({ code: "missing_environment" });
  });

  it("plans staging for every Worker under its -staging name (each config has the environment)", async () => {
    const plan = await planDeploy({ env: "staging" });
    expect(plan.map((w) => w.name)).toEqual((await planDeploy()).map((w) => `${w.name}-staging`));
  });

  it("builds every Worker offline with wrangler --dry-run, each under the free plan's limit", async () => {
    const outDir = await mkdtemp(join(tmpdir(), "isthmus-dist-"));
    dirs.push(outDir);
    const lines: string[] = [];
    const { plan, sizes } = await deployAll({ dryRun: true, outDir, log: (line) => lines.push(line) });
    expect(sizes.map((s) => s.name)).toEqual(plan.map((w) => w.name));
    for (const size of sizes) {
      expect(size.rawBytes).toBeGreaterThan(size.gzipBytes);
      expect(size.gzipBytes).toBeGreaterThan(100);
      expect(size.gzipBytes).toBeLessThan(GZIP_LIMIT_BYTES);
    }
    expect(lines).toHaveLength(plan.length);
    expect(secretCommands(plan, "staging")).toContain("npx wrangler secret put ISTHMUS_ADMIN_TOKEN --config wrangler.toml --env staging");
  }, 240_000);
});
