import { cp, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { deployAll } from "./deploy.mjs";
import { snapshotsNamespaces, unsharedSnapshots, withNamespaceId, writeSnapshotsNamespace } from "./snapshots-namespace.mjs";
import { ALL_CONFIGS, CONTROL_CONFIG, GATEWAY_CONFIG } from "./topology.mjs";

const ID = "0f2ac74b498b48028cb68387c421e279";
const STAGING_ID = "5d6e7f8091a2b3c4d5e6f708192a3b4c";

describe("the ISTHMUS_SNAPSHOTS namespace", () => {
  let root = "";
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), "isthmus-kv-"));
    for (const config of ALL_CONFIGS) await cp(resolve(config), join(root, config));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it("is bound without an id in the shipped configs, so a real deploy refuses before running wrangler", async () => {
    const shipped = await snapshotsNamespaces();
    // The control plane, the gateway and every meshed Bookinfo Worker read or write it.
    expect(shipped.map((entry) => entry.config)).toEqual(expect.arrayContaining([CONTROL_CONFIG, GATEWAY_CONFIG, "workers/sidecar/wrangler.toml"]));
    expect(unsharedSnapshots(shipped)).toMatch(/no namespace id in wrangler\.toml.*--snapshots-kv ID/);
    // Guarded by the line above: with ids missing, deployAll stops before wrangler is spawned.
    await expect(deployAll({ dryRun: false, log: () => {} })).rejects.toMatchObject({ code: "snapshots_namespace_unshared" });
  });

  it("writes one id into every config that binds it, keeps comments, and a second run changes nothing", async () => {
    const changed = await writeSnapshotsNamespace(ID, { root });
    const namespaces = await snapshotsNamespaces({ root });
    expect(changed).toEqual(namespaces.map((entry) => entry.config));
    expect(namespaces.every((entry) => entry.id === ID)).toBe(true);
    expect(unsharedSnapshots(namespaces)).toBeUndefined();
    // Staging untouched: its namespace is its own.
    expect((await snapshotsNamespaces({ root, env: "staging" })).every((entry) => entry.id === undefined)).toBe(true);
    const control = await readFile(join(root, CONTROL_CONFIG), "utf8");
    expect(control).toContain(`[[kv_namespaces]]\nbinding = "ISTHMUS_SNAPSHOTS"\nid = "${ID}"\n`);
    expect(control).toContain("# Last-known-good snapshot, written here once per version");
    expect(await writeSnapshotsNamespace(ID, { root })).toEqual([]);
  });

  it("writes an environment's id into its sections only, and replaces an id already there", async () => {
    await writeSnapshotsNamespace(ID, { root });
    await writeSnapshotsNamespace(STAGING_ID, { root, env: "staging" });
    expect((await snapshotsNamespaces({ root, env: "staging" })).every((entry) => entry.id === STAGING_ID)).toBe(true);
    expect((await snapshotsNamespaces({ root })).every((entry) => entry.id === ID)).toBe(true);
    const replaced = withNamespaceId(`[[kv_namespaces]]\nbinding = "ISTHMUS_SNAPSHOTS"\nid = "${ID}"\n`, STAGING_ID);
    expect(replaced).toBe(`[[kv_namespaces]]\nbinding = "ISTHMUS_SNAPSHOTS"\nid = "${STAGING_ID}"\n`);
    // Another namespace's block is left alone.
    const other = `[[kv_namespaces]]\nbinding = "SESSIONS"\n`;
    expect(withNamespaceId(other, ID)).toBe(other);
  });

  it("names configs that disagree, and refuses an id that is not one", async () => {
    await writeSnapshotsNamespace(ID, { root });
    const namespaces = await snapshotsNamespaces({ root });
    namespaces[1] = { ...namespaces[1]!, id: STAGING_ID };
    expect(unsharedSnapshots(namespaces, "production")).toMatch(new RegExp(`different namespaces \\(${ID}, ${STAGING_ID}\\).*--snapshots-kv ID --env production`));
    await expect(writeSnapshotsNamespace("isthmus-snapshots", { root })).rejects.toMatchObject({ code: "invalid_namespace_id", message: expect.stringContaining("32 hex digits") });
    expect((await snapshotsNamespaces({ root })).every((entry) => entry.id === ID)).toBe(true);
  });
});
