import { mkdtemp, readFile, rm } from "node:fs/promises";
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
    expect(options.scriptPath).toBe(join(buildDir, "bookinfo-reviews-v3.mjs"));
    const bundle = await readFile(options.scriptPath, "utf8");
    expect(bundle).toContain("Ratings service is currently unavailable");
    expect(bundle).not.toMatch(/from\s+"\.\.?\//);
  });
});
