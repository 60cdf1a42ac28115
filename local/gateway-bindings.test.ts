import { copyFile, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { repoRoot } from "./build.mjs";
import { gatewayBindingGaps, writeGatewayBindings } from "./gateway-bindings.mjs";

describe("the deployed gateway's bindings", () => {
  const dirs: string[] = [];
  afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

  it("cover every worker:// endpoint of the default config, at the top level and in staging", async () => {
    expect(await gatewayBindingGaps()).toEqual([]);
    expect(await gatewayBindingGaps({ env: "staging" })).toEqual([]);
  });

  it("are added to a config that lacks them as text, once", async () => {
    const dir = await mkdtemp(join(tmpdir(), "isthmus-gw-"));
    dirs.push(dir);
    const path = join(dir, "wrangler.toml");
    await copyFile(join(repoRoot, "workers/gateway/wrangler.toml"), path);
    const before = await readFile(path, "utf8");
    const entries = [{ binding: "REVIEWS_V9", service: "bookinfo-reviews-v9" }];
    expect(await writeGatewayBindings(entries, { path })).toEqual(entries);
    expect(await writeGatewayBindings(entries, { path, env: "staging" })).toEqual(entries);
    const after = await readFile(path, "utf8");
    expect(after.split("\n").length).toBe(before.split("\n").length + 8);
    expect(await writeGatewayBindings(entries, { path })).toEqual([]);
    expect(await readFile(path, "utf8")).toBe(after);
  });
});
