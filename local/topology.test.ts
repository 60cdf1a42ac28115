// Deployed Workers are not reachable around the mesh: every Worker but the gateway and the
// control plane deploys with no workers.dev URL, no preview URLs and no routes, in every
// environment, as wrangler itself reads the configs; meshed Workers carry the flag withMesh needs.
import { resolve } from "node:path";
import { unstable_readConfig } from "wrangler";
import { describe, expect, it } from "vitest";
import { repoRoot } from "./build.mjs";
import { ALL_CONFIGS, PUBLIC_CONFIGS } from "./topology.mjs";

const PRIVATE = ALL_CONFIGS.filter((config) => !PUBLIC_CONFIGS.includes(config));
const ENVIRONMENTS = [undefined, "staging"];

function read(config: string, env?: string) {
  return unstable_readConfig({ config: resolve(repoRoot, config), env }, { hideWarnings: true });
}

describe("exposure of deployed Workers", () => {
  it("has the gateway and the control plane as its only public Workers", () => {
    expect(PUBLIC_CONFIGS).toEqual(["wrangler.toml", "workers/gateway/wrangler.toml"]);
    expect(PRIVATE.length).toBe(ALL_CONFIGS.length - 2);
  });

  for (const config of PRIVATE) {
    for (const env of ENVIRONMENTS) {
      it(`${config}${env ? ` [env.${env}]` : ""}: workers_dev = false, preview_urls = false, no routes`, () => {
        const read_ = read(config, env);
        expect(read_.workers_dev, "workers_dev").toBe(false);
        expect(read_.preview_urls, "preview_urls").toBe(false);
        expect(read_.routes ?? [], "routes").toEqual([]);
        expect(read_.route, "route").toBeUndefined();
      });
    }
  }

  it("gives every Worker that bundles withMesh the nodejs_als flag its AsyncLocalStorage needs", () => {
    const meshed = PRIVATE.filter((config) => !read(config).main!.endsWith("details/index.ts"));
    expect(meshed.length).toBe(PRIVATE.length - 1);
    for (const config of meshed) for (const env of ENVIRONMENTS) expect(read(config, env).compatibility_flags, config).toContain("nodejs_als");
  });
});
