import { useState } from "preact/hooks";
import { ApiError, describeError } from "./api.ts";
import { signIn } from "./session.ts";
import type { Session } from "./types.ts";

export function Login({ onSignedIn, notice }: { onSignedIn: (token: string, session: Session) => void; notice: string | null }) {
  const [token, setToken] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const trimmed = token.trim();
      onSignedIn(trimmed, await signIn(trimmed));
    } catch (failure) {
      setError(failure instanceof ApiError && failure.status === 401 ? "The control API does not accept this token." : describeError(failure));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" class="login">
      <h1>Isthmus</h1>
      <p>Sign in with a control API token. A viewer token can look; an editor or admin token can change routes.</p>
      {notice && <p class="notice">{notice}</p>}
      <form onSubmit={submit}>
        <label for="token">API token</label>
        <input id="token" name="token" type="password" autocomplete="off" required value={token} onInput={(e) => setToken(e.currentTarget.value)} />
        <button type="submit" disabled={busy || token.trim() === ""}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
      </form>
    </main>
  );
}
