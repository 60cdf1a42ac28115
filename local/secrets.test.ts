import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { keptSecret, newAdminToken, writeDeploySecrets } from "./secrets.mjs";

describe("keptSecret", () => {
  let dir = "";
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "isthmus-secrets-"));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("generates once, keeps it private, and returns the same value on the next run", async () => {
    const first = await keptSecret(dir, "admin-token", undefined, newAdminToken);
    expect(first.source).toBe("generated");
    expect(first.value).toMatch(/^isthmus_[A-Za-z0-9_-]{43}$/);
    expect((await stat(first.path)).mode & 0o777).toBe(0o600);
    const second = await keptSecret(dir, "admin-token", undefined, newAdminToken);
    expect(second).toMatchObject({ source: "stored", value: first.value });
  });

  it("prefers the value from the environment and does not store it", async () => {
    const given = await keptSecret(dir, "admin-token", "from-env", newAdminToken);
    expect(given).toMatchObject({ source: "env", value: "from-env" });
    await expect(readFile(given.path, "utf8")).rejects.toThrow();
  });
});

describe("writeDeploySecrets", () => {
  let dir = "";
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "isthmus-deploy-secrets-"));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("writes the control plane's secrets in their formats as JSON for wrangler secret bulk, private", async () => {
    const path = join(dir, "secrets.json");
    const secrets = await writeDeploySecrets(path);
    expect(Object.keys(secrets)).toEqual(["ISTHMUS_ADMIN_TOKEN", "ISTHMUS_CA_WRAPPING_KEY"]);
    expect(secrets.ISTHMUS_ADMIN_TOKEN).toMatch(/^isthmus_[A-Za-z0-9_-]{43}$/);
    expect(secrets.ISTHMUS_CA_WRAPPING_KEY).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(secrets.ISTHMUS_CA_WRAPPING_KEY!, "base64url")).toHaveLength(32);
    expect(JSON.parse(await readFile(path, "utf8"))).toEqual(secrets);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    // Fresh values each time, never a fixed default.
    expect((await writeDeploySecrets(join(dir, "other.json"))).ISTHMUS_CA_WRAPPING_KEY).not.toBe(secrets.ISTHMUS_CA_WRAPPING_KEY);
  });

  it("refuses to overwrite a secrets file, leaving it as it was", async () => {
    const path = join(dir, "secrets.json");
    const first = await writeDeploySecrets(path);
    await expect(writeDeploySecrets(path)).rejects.toThrow(/exists.*ISTHMUS_CA_WRAPPING_KEY/);
    expect(JSON.parse(await readFile(path, "utf8"))).toEqual(first);
  });
});
