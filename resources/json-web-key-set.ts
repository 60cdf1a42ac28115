import { z } from "zod";
import { JWT_ALGORITHMS } from "./jwt-algorithms.ts";

export { JWT_ALGORITHMS };

// Members that only a private or symmetric key carries: a JWKS that holds one leaks a
// signing key into every snapshot, and a symmetric key would let anyone who reads the
// config mint tokens.
const PRIVATE_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];
// Byte lengths of a curve's coordinates, and the algorithm that goes with it.
const CURVES: Record<string, { bytes: number; alg: string }> = {
  "P-256": { bytes: 32, alg: "ES256" },
  "P-384": { bytes: 48, alg: "ES384" },
  "P-521": { bytes: 66, alg: "ES512" },
};
const BASE64URL = /^[A-Za-z0-9_-]+$/;
// jose refuses RSA moduli below 2048 bits when verifying; refuse them when applied instead.
const MIN_RSA_BITS = 2048;

const bytesOf = (text: string) => Math.floor((text.length * 3) / 4);

/** Why one JWK is not a public verification key the data plane can use, or undefined. */
function keyProblem(key: unknown): string | undefined {
  if (typeof key !== "object" || key === null || Array.isArray(key)) return "is not a JSON object";
  const jwk = key as Record<string, unknown>;
  const secret = PRIVATE_MEMBERS.find((m) => m in jwk);
  if (secret) return `carries the private or symmetric member "${secret}": publish public keys only`;
  const b64 = (member: string): string | undefined => {
    const value = jwk[member];
    return typeof value === "string" && BASE64URL.test(value) ? value : undefined;
  };
  if (jwk.use !== undefined && jwk.use !== "sig") return `has use "${String(jwk.use)}": must be "sig"`;
  if (jwk.key_ops !== undefined && !(Array.isArray(jwk.key_ops) && jwk.key_ops.includes("verify"))) return 'has key_ops without "verify"';
  if (jwk.alg !== undefined && !JWT_ALGORITHMS.includes(jwk.alg as string)) return `has unsupported alg ${JSON.stringify(jwk.alg)}: use one of ${JWT_ALGORITHMS.join(", ")}`;
  const alg = jwk.alg as string | undefined;
  switch (jwk.kty) {
    case "RSA": {
      const n = b64("n");
      if (!n || !b64("e")) return "is an RSA key without base64url n and e";
      if (bytesOf(n) * 8 < MIN_RSA_BITS) return `has an RSA modulus under ${MIN_RSA_BITS} bits`;
      if (alg && !/^(RS|PS)/.test(alg)) return `is an RSA key with alg ${alg}`;
      return undefined;
    }
    case "EC": {
      const curve = CURVES[jwk.crv as string];
      if (!curve) return `has unsupported crv ${JSON.stringify(jwk.crv)}: use P-256, P-384 or P-521`;
      const x = b64("x");
      const y = b64("y");
      if (!x || !y || bytesOf(x) !== curve.bytes || bytesOf(y) !== curve.bytes) return `is a ${String(jwk.crv)} key without base64url x and y of ${curve.bytes} bytes`;
      if (alg && alg !== curve.alg) return `is a ${String(jwk.crv)} key with alg ${alg}: use ${curve.alg}`;
      return undefined;
    }
    case "OKP": {
      if (jwk.crv !== "Ed25519") return `has unsupported crv ${JSON.stringify(jwk.crv)}: use Ed25519`;
      const x = b64("x");
      if (!x || bytesOf(x) !== 32) return "is an Ed25519 key without a base64url x of 32 bytes";
      if (alg && alg !== "EdDSA") return `is an Ed25519 key with alg ${alg}: use EdDSA`;
      return undefined;
    }
    default:
      return `has unsupported kty ${JSON.stringify(jwk.kty)}: use RSA, EC or OKP public keys`;
  }
}

/** An inline JWK Set (`jwtRules[].jwks`): JSON with a non-empty `keys` list of public signature keys. */
export const JsonWebKeySetText = z.string().superRefine((text, ctx) => {
  let set: unknown;
  try {
    set = JSON.parse(text);
  } catch {
    ctx.addIssue({ code: "custom", message: "must be a JSON Web Key Set: a JSON object with a keys array" });
    return;
  }
  const keys = (set as { keys?: unknown } | null)?.keys;
  if (typeof set !== "object" || set === null || Array.isArray(set) || !Array.isArray(keys)) {
    ctx.addIssue({ code: "custom", message: "must be a JSON Web Key Set: a JSON object with a keys array" });
    return;
  }
  if (keys.length === 0) ctx.addIssue({ code: "custom", message: "must hold at least one key: an empty set verifies no token" });
  keys.forEach((key, i) => {
    const problem = keyProblem(key);
    if (problem) ctx.addIssue({ code: "custom", message: `keys[${i}] ${problem}` });
  });
});
