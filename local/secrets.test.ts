import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { keptSecret, newAdminToken } from "./secrets.mjs";

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
