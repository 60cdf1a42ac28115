import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { workerFromConfig } from "./worker-options.mjs";

describe("workerFromConfig", () => {
  const dirs: string[] = [];
  afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

  it("turns a wrangler config into Miniflare options, keeping binding props wrangler drops", async () => {
    const buildDir = await mkdtemp(join(tmpdir(), "isthmus-build-"));
    dirs.push(buildDir);
    const { name, options } = await workerFromConfig("demo/bookinfo/reviews/wrangler.v3.toml", { buildDir });
    expect(name).toBe("bookinfo-reviews-v3");
    expect(options.bindings).toEqual({ SERVICE_VERSION: "v3", ENABLE_RATINGS: "true", STAR_COLOR: "red" });
    expect(options.serviceBindings.ISTHMUS_CONTROL).toEqual({
      name: "isthmus-control",
      entrypoint: "MeshPeer",
      props: { namespace: "default", serviceAccount: "bookinfo-reviews" },
    });
    expect(options.serviceBindings.RATINGS_V1).toEqual({ name: "bookinfo-ratings-v1" });
    expect(options.kvNamespaces).toEqual({ ISTHMUS_SNAPSHOTS: { id: "ISTHMUS_SNAPSHOTS" } });
    expect(options.scriptPath).toBe(join(buildDir, "demo-bookinfo-reviews-meshed-ts.mjs"));
    const bundle = await readFile(options.scriptPath, "utf8");
    expect(bundle).toContain("Ratings service is currently unavailable");
    expect(bundle).not.toMatch(/from\s+"\.\.?\//);
  });

  it("reads a config again only when it or the local vars beside it changed", async () => {
    const project = await mkdtemp(join(tmpdir(), "isthmus-project-"));
    const buildDir = await mkdtemp(join(tmpdir(), "isthmus-build-"));
    dirs.push(project, buildDir);
    const config = join(project, "wrangler.toml");
    await writeFile(join(project, "worker.ts"), `export default { fetch: () => new Response("hello") };\n`);
    await writeFile(config, `name = "hello"\nmain = "worker.ts"\ncompatibility_date = "2026-04-26"\n[vars]\nGREETING = "hi"\n`);

    const first = await workerFromConfig(config, { buildDir });
    expect(first.cached).toBe(false);
    const second = await workerFromConfig(config, { buildDir });
    expect(second.cached).toBe(true);
    expect(second.options).toEqual(first.options);
    // Each caller gets its own options to add bindings to.
    second.options.bindings.EXTRA = "x";
    expect((await workerFromConfig(config, { buildDir })).options.bindings).toEqual({ GREETING: "hi" });

    await writeFile(join(project, ".dev.vars"), "SECRET=from-dev-vars\n");
    const withVars = await workerFromConfig(config, { buildDir });
    expect(withVars.cached).toBe(false);
    expect(withVars.options.bindings).toEqual({ GREETING: "hi", SECRET: "from-dev-vars" });

    await writeFile(config, `name = "hello"\nmain = "worker.ts"\ncompatibility_date = "2026-04-26"\n[vars]\nGREETING = "hello"\n`);
    const changed = await workerFromConfig(config, { buildDir });
    expect(changed.cached).toBe(false);
    expect(changed.options.bindings.GREETING).toBe("hello");
  });
});
