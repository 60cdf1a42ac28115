// Who is browsing. Bookinfo keeps the logged-in user in its session cookie and sends it
// to reviews as `end-user`; we also take `?u=NAME` (handy with curl) and an inbound
// `end-user` header (a caller already speaking for a user). The cookie is not signed:
// this is a demo login with no password, exactly like Bookinfo's.

export const SESSION_COOKIE = "session";

/** The current user, or "" when nobody is logged in. */
export function currentUser(request: Request): string {
  const query = new URL(request.url).searchParams.get("u");
  if (query) return query;
  const cookie = readCookie(request.headers.get("cookie") ?? "", SESSION_COOKIE);
  if (cookie) return cookie;
  return request.headers.get("end-user") ?? "";
}

export function loginCookie(user: string): string {
  return `${SESSION_COOKIE}=${encodeURIComponent(user)}; Path=/; HttpOnly; SameSite=Lax`;
}

export function logoutCookie(): string {
  return `${SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax`;
}

function readCookie(header: string, name: string): string {
  for (const part of header.split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key === name) {
      try {
        return decodeURIComponent(rest.join("="));
      } catch {
        return "";
      }
    }
  }
  return "";
}
