import { createContext } from "preact";
import { useContext } from "preact/hooks";
import type { Api } from "./api.ts";
import type { Session } from "./types.ts";

export interface Signed {
  api: Api;
  session: Session;
}

export const SignedContext = createContext<Signed | null>(null);

/** The API client and session of the signed-in user (inside <App> only). */
export function useSigned(): Signed {
  const signed = useContext(SignedContext);
  if (!signed) throw new Error("useSigned outside a signed-in view");
  return signed;
}
