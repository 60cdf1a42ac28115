// Scrubbing shared by access logs, tap summaries and error reports: tokens never leave
// the data plane through telemetry.

/** A compact JWS/JWT (three base64url parts, header starting with `{"` -> `eyJ`). */
export const JWT_PATTERN = /eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*/g;

/** Header names whose values are credentials. */
export function isSecretHeader(name: string): boolean {
  const n = name.toLowerCase();
  return (
    n === "authorization" ||
    n === "proxy-authorization" ||
    n === "cookie" ||
    n === "set-cookie" ||
    n.startsWith("x-isthmus-") ||
    /token|secret|password|api-?key|session/.test(n)
  );
}

/** Query parameter and object keys whose values are credentials. */
export const SECRET_KEY_PATTERN = /token|secret|password|passwd|api[-_]?key|auth|session|jwt|signature|sig$|code$|dsn/i;

export const REDACTED = "[redacted]";

/** Replaces JWTs inside any string. */
export function redactText(text: string): string {
  return text.replace(JWT_PATTERN, REDACTED);
}

/** A path with credential-like query values and any JWT replaced. */
export function redactPath(pathAndQuery: string): string {
  const q = pathAndQuery.indexOf("?");
  if (q === -1) return redactText(pathAndQuery);
  const params = pathAndQuery
    .slice(q + 1)
    .split("&")
    .map((pair) => {
      const eq = pair.indexOf("=");
      if (eq === -1) return pair;
      let name = pair.slice(0, eq);
      try {
        name = decodeURIComponent(name);
      } catch {
        // keep the raw name
      }
      return SECRET_KEY_PATTERN.test(name) ? `${pair.slice(0, eq)}=${REDACTED}` : pair;
    });
  return redactText(`${pathAndQuery.slice(0, q)}?${params.join("&")}`);
}

/** Deep copy of a JSON-like value with secret-keyed values and JWTs replaced. */
export function redactValue(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return redactText(value);
  if (depth > 12 || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    out[key] = typeof v === "string" && (isSecretHeader(key) || SECRET_KEY_PATTERN.test(key)) ? REDACTED : redactValue(v, depth + 1);
  }
  return out;
}
