import { mkdtemp, rm, utimes } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { opensslCa, opensslCsr, opensslSign, scratchDir } from "../test/support/openssl";
import { readCredential, setCredential } from "./credentials.mjs";
import { gatewayCredentials } from "./gateway-credentials.mjs";

// The real reader, counted.
vi.mock("./credentials.mjs", async (importOriginal) => {
  const real = await importOriginal<typeof import("./credentials.mjs")>();
  return { ...real, readCredential: vi.fn(real.readCredential) };
});

describe("the credentials the gateway's TLS listener serves", () => {
  let dir = "";
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "isthmus-gateway-credentials-"));
    vi.mocked(readCredential).mockClear();
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const issue = (host: string) => {
    const work = scratchDir();
    const ca = opensslCa(work, "example");
    const csr = opensslCsr(work, host, { san: `DNS:${host}.example.com` });
    return { cert: opensslSign(work, host, csr.csrPem, ca), key: csr.keyPem };
  };

  it("reads a credential's files once however many connections ask, and again once they change", async () => {
    const first = issue("httpbin");
    await setCredential(dir, "httpbin-credential", first);
    const credentials = gatewayCredentials(dir);
    for (let connection = 0; connection < 5; connection++) expect(await credentials("httpbin-credential")).toMatchObject(first);
    expect(readCredential).toHaveBeenCalledTimes(1);

    // Rotated: set again, later (a second on, so the files' times surely move).
    const second = issue("httpbin-rotated");
    await setCredential(dir, "httpbin-credential", second);
    const later = new Date(Date.now() + 1000);
    for (const file of ["tls.crt", "tls.key", "ca.crt"]) await utimes(join(dir, "credentials", "httpbin-credential", file), later, later);
    for (let connection = 0; connection < 3; connection++) expect(await credentials("httpbin-credential")).toMatchObject(second);
    expect(readCredential).toHaveBeenCalledTimes(2);
  });

  it("answers undefined for a credential that is not set, or no longer", async () => {
    const credentials = gatewayCredentials(dir);
    expect(await credentials("missing")).toBeUndefined();
    await setCredential(dir, "gone", issue("gone"));
    expect(await credentials("gone")).toBeDefined();
    await rm(join(dir, "credentials", "gone"), { recursive: true });
    expect(await credentials("gone")).toBeUndefined();
    expect(readCredential).toHaveBeenCalledTimes(1);
  });
});
