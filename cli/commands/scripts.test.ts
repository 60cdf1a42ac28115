import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../run-cli.ts";

describe("isthmus deploy", () => {
  const dirs: string[] = [];
  afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

  it("runs the repository's deploy command (local/deploy-command.mjs): --generate-secrets writes the secrets file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "isthmus-cli-deploy-"));
    dirs.push(dir);
    const file = join(dir, "secrets.json");
    const run = await runCli(["deploy", "--generate-secrets", file]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`npx wrangler secret bulk ${file} --config wrangler.toml`);
    const secrets = JSON.parse(await readFile(file, "utf8"));
    expect(secrets.ISTHMUS_ADMIN_TOKEN).toMatch(/^isthmus_[A-Za-z0-9_-]{43}$/);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    // A second run keeps the first secrets: exit 1, the file unchanged.
    expect((await runCli(["deploy", "--generate-secrets", file])).code).toBe(1);
    expect(JSON.parse(await readFile(file, "utf8"))).toEqual(secrets);
  });
});
