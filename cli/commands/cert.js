import { readFile, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { UsageError } from "../errors.js";

/** @type {import("../command.js").Command} */
const sign = {
  name: "sign",
  summary: "Have the CA sign a PKCS#10 CSR and print the X.509-SVID chain (PEM, leaf first)",
  usage: "isthmus cert sign --csr FILE [--token JOIN_TOKEN] [--out FILE]",
  examples: [
    ["isthmus cert sign --csr workload.csr --out chain.pem", "an X.509-SVID for a CSR, with the join token from ISTHMUS_JOIN_TOKEN"],
    ["isthmus cert sign --csr - --token JOIN_TOKEN", "the CSR from standard input, the join token given"],
  ],
  description: `The CSR proves the workload holds the key; the join token (--token, else
ISTHMUS_JOIN_TOKEN) proves which workload it is. Example CSR:
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \\
    -keyout key.pem -subj "/O=isthmus" -out req.csr`,
  options: {
    csr: { type: "string", value: "FILE", description: "PEM PKCS#10 certificate signing request (- for standard input)" },
    token: { type: "string", value: "JOIN_TOKEN", description: "the workload's join token (default: env ISTHMUS_JOIN_TOKEN)" },
    out: { type: "string", value: "FILE", description: "write the chain to FILE instead of standard output" },
  },
  server: true,
  async run({ values, io, out, err, client }) {
    if (!values.csr) throw new UsageError("--csr FILE is required");
    const joinToken = values.token ?? io.env.ISTHMUS_JOIN_TOKEN;
    if (!joinToken) throw new UsageError("a join token is required: --token JOIN_TOKEN or ISTHMUS_JOIN_TOKEN");
    const csr = values.csr === "-" ? await io.readStdin() : await readFile(resolve(io.cwd, values.csr), "utf8").catch(() => {
      throw new UsageError(`--csr ${values.csr}: cannot read the file`);
    });
    if (!csr.includes("-----BEGIN CERTIFICATE REQUEST-----")) throw new UsageError(`--csr ${values.csr}: not a PEM certificate request`);
    const api = await client();
    const response = await api.send("POST", "/v1/svids/x509", { body: csr, contentType: "application/pkcs10", token: joinToken, accept: "application/pem-certificate-chain, application/x-pem-file, text/plain, application/json" });
    let chain = await response.text();
    if (response.headers.get("content-type")?.includes("json")) {
      const body = JSON.parse(chain);
      chain = body.chain ?? body.pem ?? (Array.isArray(body.certificates) ? body.certificates.join("") : chain);
    }
    if (!chain.endsWith("\n")) chain += "\n";
    if (values.out) {
      await writeFile(resolve(io.cwd, values.out), chain);
      err(`wrote the certificate chain to ${values.out}\n`);
    } else out(chain);
    return 0;
  },
};

/** @type {import("../command.js").Command} */
export default {
  name: "cert",
  summary: "X.509-SVIDs for TLS peers outside Workers",
  usage: "isthmus cert sign --csr FILE",
  subcommands: [sign],
};
