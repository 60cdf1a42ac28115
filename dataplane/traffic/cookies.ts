/** The value of cookie `name` in a `Cookie` header (quotes removed), or undefined. */
export function cookieValue(header: string | null, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq === -1) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim().replace(/^"(.*)"$/, "$1");
  }
  return undefined;
}

/** A `Cookie` header without cookie `name`; null when nothing is left. */
export function withoutCookie(header: string | null, name: string): string | null {
  if (!header) return null;
  const kept = header
    .split(";")
    .map((part) => part.trim())
    .filter((part) => part !== "" && part.slice(0, part.indexOf("=") === -1 ? part.length : part.indexOf("=")).trim() !== name);
  return kept.length > 0 ? kept.join("; ") : null;
}

/**
 * A `Set-Cookie` value as Envoy writes the cookies it generates for consistent hashing:
 * quoted value, `Max-Age` unless a session cookie (`maxAgeSeconds` 0), `Path` when given,
 * `HttpOnly`.
 */
export function setCookieValue(name: string, value: string, options: { maxAgeSeconds: number; path?: string }): string {
  return [
    `${name}="${value}"`,
    ...(options.maxAgeSeconds > 0 ? [`Max-Age=${options.maxAgeSeconds}`] : []),
    ...(options.path ? [`Path=${options.path}`] : []),
    "HttpOnly",
  ].join("; ");
}
