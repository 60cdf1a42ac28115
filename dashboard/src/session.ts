// The token lives in sessionStorage: it survives a reload, not the closing of the tab.
import { apiClient } from "./api.ts";
import type { Session } from "./types.ts";

const KEY = "isthmus.token";

export function storedToken(): string | null {
  return sessionStorage.getItem(KEY);
}

export function forgetToken(): void {
  sessionStorage.removeItem(KEY);
}

/** Asks the API who `token` belongs to; keeps the token only when the API accepts it. */
export async function signIn(token: string): Promise<Session> {
  const session = await apiClient(token).get<Session>("/ui/session");
  sessionStorage.setItem(KEY, token);
  return session;
}

/** Viewer looks; editor and admin change configuration. */
export function canEdit(session: Session): boolean {
  return session.role === "editor" || session.role === "admin";
}
