import { readFile, stat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { CredentialError, setCredential } from "../../local/credentials.mjs";
import { CliError, EXIT, UsageError } from "../errors.js";

/**
 * The local mesh's state directory: --state-dir, $ISTHMUS_STATE_DIR, else the nearest
 * `.isthmus/` from the working directory upward (as `npm start` and the admin token use),
 * else `./.isthmus`.
 * @param {string | undefined} given @param {import("../command.js").Io} io
 */
async function stateDirectory(given, io) {
  if (given) return resolve(io.cwd, given);
  if (io.env.ISTHMUS_STATE_DIR) return resolve(io.cwd, io.env.ISTHMUS_STATE_DIR);
  for (let dir = resolve(io.cwd); ; dir = dirname(dir)) {
    const found = await stat(join(dir, ".isthmus")).then((s) => s.isDirectory(), () => false);
    if (found) return join(dir, ".isthmus");
    if (dirname(dir) === dir) return resolve(io.cwd, ".isthmus");
  }
}

/** @param {string} option @param {string | undefined} file @param {string} cwd */
async function pemFile(option, file, cwd) {
  if (file === undefined) return undefined;
  try {
    return await readFile(resolve(cwd, file), "utf8");
  } catch (caught) {
    const error = /** @type {NodeJS.ErrnoException} */ (caught);
    throw new UsageError(`--${option} ${file}: ${error.code === "ENOENT" ? "no such file" : error.message}`);
  }
}

/** @type {import("../command.js").Command} */
const set = {
  name: "set",
  summary: "Keep a TLS credential for the local gateway under the name a Gateway's credentialName gives",
  usage: "isthmus credential set NAME --cert FILE --key FILE [--ca FILE]",
  description: `The local mesh's HTTPS listener (npm start, ISTHMUS_GATEWAY_TLS_PORT) serves a Gateway
server whose tls.credentialName (or Gateway API certificateRef) is NAME with this
certificate chain and key, and for tls.mode MUTUAL verifies client certificates against
--ca (without it, against the mesh CA's roots) - what "kubectl create secret generic NAME
--from-file=tls.crt --from-file=tls.key --from-file=ca.crt" gives Istio's ingress. The files
are checked (PEM, the key belongs to the certificate) and kept in the state directory, mode
0600; the listener picks a changed credential up on the next connection. On Cloudflare,
upload the certificate for the zone instead (see the README's secure ingress section).`,
  options: {
    cert: { type: "string", value: "FILE", description: "PEM certificate chain, leaf first (tls.crt)" },
    key: { type: "string", value: "FILE", description: "PEM private key of the leaf (tls.key)" },
    ca: { type: "string", value: "FILE", description: "PEM CA certificates that verify client certificates for MUTUAL (ca.crt)" },
    "state-dir": { type: "string", value: "DIR", description: "the local mesh's state directory (env ISTHMUS_STATE_DIR; default: the nearest .isthmus/)" },
  },
  examples: [
    ["isthmus credential set httpbin-credential --cert httpbin.example.com.crt --key httpbin.example.com.key", "serve Istio's secure-ingress Gateway with this certificate"],
    ["isthmus credential set httpbin-credential --cert server.crt --key server.key --ca example.com.crt", "the same, verifying client certificates against example.com.crt (MUTUAL)"],
  ],
  args: [1, 1],
  async run({ values, args, io, out }) {
    if (!values.cert) throw new UsageError("--cert FILE is required");
    if (!values.key) throw new UsageError("--key FILE is required");
    const credential = {
      cert: /** @type {string} */ (await pemFile("cert", values.cert, io.cwd)),
      key: /** @type {string} */ (await pemFile("key", values.key, io.cwd)),
      ca: await pemFile("ca", values.ca, io.cwd),
    };
    const dir = await stateDirectory(values["state-dir"], io);
    try {
      const kept = await setCredential(dir, args[0], credential);
      out(`credential ${kept.name} set (${kept.subject}, until ${kept.notAfter}${kept.withCa ? ", with a client CA" : ""}) in ${dir}\n`);
    } catch (error) {
      if (!(error instanceof CredentialError)) throw error;
      const where = error.field === "name" ? "NAME" : `--${error.field}`;
      throw new CliError(`${where}: ${error.message.slice(error.field.length + 2)}`, { code: "invalid_credential", exitCode: EXIT.invalid });
    }
    return 0;
  },
};

export default {
  name: "credential",
  summary: "TLS credentials of the local gateway's HTTPS listener",
  usage: "isthmus credential COMMAND",
  subcommands: [set],
};
