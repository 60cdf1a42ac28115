import { mkdtempSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { opensslCa, opensslCsr, opensslSign, scratchDir } from "../../test/support/openssl";
import { cleanEnv, runCli } from "../run-cli.ts";

describe("isthmus credential set", () => {
  const work = scratchDir();
  const ca = opensslCa(work, "example.com");
  const csr = opensslCsr(work, "httpbin");
  const files = async () => {
    const dir = mkdtempSync(join(tmpdir(), "isthmus-credential-"));
    await writeFile(join(dir, "tls.crt"), opensslSign(work, "httpbin", csr.csrPem, ca, "DNS:httpbin.example.com"));
    await writeFile(join(dir, "tls.key"), csr.keyPem);
    await writeFile(join(dir, "other.key"), opensslCsr(work, "other").keyPem);
    return dir;
  };

  it("keeps the credential in the state directory the local mesh uses (env, or the nearest .isthmus/)", async () => {
    const dir = await files();
    const state = join(dir, "state");
    const run = await runCli(["credential", "set", "httpbin-credential", "--cert", "tls.crt", "--key", "tls.key", "--ca", ca.certFile], { cwd: dir, env: cleanEnv({ ISTHMUS_STATE_DIR: state }) });
    expect([run.code, run.stderr]).toEqual([0, ""]);
    expect(run.stdout).toMatch(/^credential httpbin-credential set \(.*with a client CA\) in /);
    expect(await readFile(join(state, "credentials", "httpbin-credential", "ca.crt"), "utf8")).toBe(ca.certPem);

    await mkdir(join(dir, ".isthmus"));
    await mkdir(join(dir, "sub"));
    const nearest = await runCli(["credential", "set", "c", "--cert", "../tls.crt", "--key", "../tls.key"], { cwd: join(dir, "sub") });
    expect(nearest.code).toBe(0);
    expect(await readFile(join(dir, ".isthmus", "credentials", "c", "tls.key"), "utf8")).toBe(csr.keyPem);
  });

  it("refuses a missing option, a missing file and a key of another certificate, naming them", async () => {
    const dir = await files();
    const env = cleanEnv({ ISTHMUS_STATE_DIR: join(dir, "state") });
    const run = (...args: string[]) => runCli(["credential", "set", ...args], { cwd: dir, env });
    expect(await run("c", "--cert", "tls.crt")).toMatchObject({ code: 2, stderr: expect.stringContaining("--key FILE is required") });
    expect(await run("c", "--cert", "nope.crt", "--key", "tls.key")).toMatchObject({ code: 2, stderr: expect.stringContaining("--cert nope.crt: no such file") });
    expect(await run("c", "--cert", "tls.crt", "--key", "other.key")).toMatchObject({ code: 5, stderr: expect.stringContaining("--key: does not belong to the certificate") });
    expect(await run("Bad_Name", "--cert", "tls.crt", "--key", "tls.key")).toMatchObject({ code: 5, stderr: expect.stringContaining("NAME: must be a lower-case DNS name") });
  });
});
