import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { opensslCa, opensslCsr, opensslSign, scratchDir } from "../test/support/openssl";
import { CredentialError, readCredential, setCredential } from "./credentials.mjs";

describe("local gateway credentials", () => {
  let dir = "";
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "isthmus-credentials-"));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const material = () => {
    const work = scratchDir();
    const ca = opensslCa(work, "example");
    const csr = opensslCsr(work, "httpbin", { san: "DNS:httpbin.example.com" });
    return { ca, csr, cert: opensslSign(work, "httpbin", csr.csrPem, ca) };
  };

  it("keeps a checked credential under its name, private, and reads it back", async () => {
    const { ca, csr, cert } = material();
    const kept = await setCredential(dir, "httpbin-credential", { cert, key: csr.keyPem, ca: ca.certPem });
    expect(kept).toMatchObject({ name: "httpbin-credential", withCa: true });
    expect((await stat(join(dir, "credentials", "httpbin-credential", "tls.key"))).mode & 0o777).toBe(0o600);
    expect(await readCredential(dir, "httpbin-credential")).toMatchObject({ cert, key: csr.keyPem, ca: ca.certPem });
    expect(await readCredential(dir, "other")).toBeUndefined();
    expect(await readCredential(dir, "../escape")).toBeUndefined();
  });

  it("refuses a bad name, a non-certificate, a key of another certificate, naming the part; nothing is written", async () => {
    const { csr, cert } = material();
    const other = opensslCsr(scratchDir(), "other");
    const refusal = (name: string, credential: { cert: string; key: string; ca?: string }) =>
      setCredential(dir, name, credential).then(
        () => "kept",
        (error: CredentialError) => `${error.field}: ${error.message}`,
      );
    expect(await refusal("../x", { cert, key: csr.keyPem })).toMatch(/^name: name: must be a lower-case DNS name/);
    expect(await refusal("c", { cert: "not pem", key: csr.keyPem })).toBe("cert: cert: is not a PEM certificate");
    expect(await refusal("c", { cert, key: other.keyPem })).toBe("key: key: does not belong to the certificate");
    expect(await refusal("c", { cert, key: "junk" })).toMatch(/^key: key: is not a PEM private key/);
    expect(await refusal("c", { cert, key: csr.keyPem, ca: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n" })).toMatch(/^ca: ca: is not a PEM certificate/);
    await expect(readFile(join(dir, "credentials", "c", "tls.crt"))).rejects.toThrow();
  });
});
