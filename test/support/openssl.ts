// Real X.509 peers for CA tests: the openssl CLI makes CSRs and verifies chains.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A scratch directory for one test file's keys and certificates. */
export function scratchDir(): string {
  return mkdtempSync(join(tmpdir(), "isthmus-ca-"));
}

export interface Csr {
  csrPem: string;
  keyPem: string;
}

/** Generates a key and a CSR with openssl. `san` like "URI:spiffe://td/ns/a/sa/b" or null. */
export function opensslCsr(dir: string, name: string, options: { san?: string | null; key?: "ec" | "rsa1024" | "rsa2048" | "ec-secp256k1" } = {}): Csr {
  const keyFile = join(dir, `${name}.key`);
  const csrFile = join(dir, `${name}.csr`);
  const keyArgs: Record<string, string[]> = {
    ec: ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"],
    "ec-secp256k1": ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:secp256k1"],
    rsa1024: ["-newkey", "rsa:1024"],
    rsa2048: ["-newkey", "rsa:2048"],
  };
  const args = ["req", "-new", ...keyArgs[options.key ?? "ec"], "-nodes", "-keyout", keyFile, "-subj", "/O=x", "-out", csrFile];
  if (options.san) args.push("-addext", `subjectAltName=${options.san}`);
  execFileSync("openssl", args, { stdio: "pipe" });
  return { csrPem: readFileSync(csrFile, "utf8"), keyPem: readFileSync(keyFile, "utf8") };
}

/** A foreign self-signed CA (key + cert PEM files) made by openssl. */
export function opensslCa(dir: string, name: string): { certFile: string; keyFile: string; certPem: string; keyPem: string } {
  const keyFile = join(dir, `${name}-ca.key`);
  const certFile = join(dir, `${name}-ca.pem`);
  execFileSync("openssl", [
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
    "-keyout", keyFile, "-out", certFile, "-days", "30", "-subj", `/O=${name}/CN=${name} CA`,
    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
  ], { stdio: "pipe" });
  return { certFile, keyFile, certPem: readFileSync(certFile, "utf8"), keyPem: readFileSync(keyFile, "utf8") };
}

/** Signs a CSR with an openssl CA as a client/server leaf (what a foreign CA would issue), with `san` (e.g. `DNS:a.example`) if given. */
export function opensslSign(dir: string, name: string, csrPem: string, ca: { certFile: string; keyFile: string }, san?: string): string {
  const csrFile = join(dir, `${name}-foreign.csr`);
  const certFile = join(dir, `${name}-foreign.pem`);
  const extFile = join(dir, `${name}-foreign.ext`);
  writeFileSync(csrFile, csrPem);
  writeFileSync(extFile, `basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\n${san ? `subjectAltName=${san}\n` : ""}`);
  execFileSync("openssl", ["x509", "-req", "-in", csrFile, "-CA", ca.certFile, "-CAkey", ca.keyFile, "-CAcreateserial", "-days", "1", "-extfile", extFile, "-out", certFile], { stdio: "pipe" });
  return readFileSync(certFile, "utf8");
}

/** Runs `openssl verify -CAfile <roots> [-untrusted <intermediates>] <leaf>`; returns ok + output. */
export function opensslVerify(dir: string, name: string, rootsPem: string, leafPem: string, intermediatesPem = ""): { ok: boolean; output: string } {
  const roots = join(dir, `${name}-roots.pem`);
  const leaf = join(dir, `${name}-leaf.pem`);
  writeFileSync(roots, rootsPem);
  writeFileSync(leaf, leafPem);
  const args = ["verify", "-CAfile", roots];
  if (intermediatesPem) {
    const inter = join(dir, `${name}-inter.pem`);
    writeFileSync(inter, intermediatesPem);
    args.push("-untrusted", inter);
  }
  args.push(leaf);
  const r = spawnSync("openssl", args, { encoding: "utf8" });
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}

/** Splits a PEM chain into its certificate blocks. */
export function pemBlocks(pem: string): string[] {
  return pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g) ?? [];
}
