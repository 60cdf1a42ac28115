import { useEffect, useMemo, useState } from "preact/hooks";
import { apiClient } from "./api.ts";
import { SignedContext } from "./context.ts";
import { GraphView } from "./graph/graph-view.tsx";
import { HistoryView } from "./history/history-view.tsx";
import { Login } from "./login.tsx";
import { href, useView, type View } from "./route.ts";
import { RolloutsView } from "./rollout/rollouts-view.tsx";
import { SecurityView } from "./security/security-view.tsx";
import { ServiceView } from "./service/service-view.tsx";
import { canEdit, forgetToken, signIn, storedToken } from "./session.ts";
import { SplitView } from "./split/split-view.tsx";
import type { Session } from "./types.ts";

const SECTIONS: { view: View["view"]; label: string }[] = [
  { view: "graph", label: "Service graph" },
  { view: "split", label: "Traffic split" },
  { view: "rollouts", label: "Rollouts" },
  { view: "history", label: "History" },
  { view: "security", label: "Security" },
];

export function App() {
  const [signed, setSigned] = useState<{ token: string; session: Session } | null>(null);
  const [restoring, setRestoring] = useState(() => storedToken() !== null);
  const [notice, setNotice] = useState<string | null>(null);
  const view = useView();

  useEffect(() => {
    const token = storedToken();
    if (!token) return;
    signIn(token)
      .then((session) => setSigned({ token, session }))
      .catch(() => forgetToken())
      .finally(() => setRestoring(false));
  }, []);

  const signOut = (why: string | null) => {
    forgetToken();
    setSigned(null);
    setNotice(why);
  };
  const context = useMemo(
    () => signed && { api: apiClient(signed.token, () => signOut("The token is no longer accepted; sign in again.")), session: signed.session },
    [signed],
  );

  if (restoring) return <p class="loading">Loading…</p>;
  if (!context) {
    return (
      <Login
        notice={notice}
        onSignedIn={(token, session) => {
          setNotice(null);
          setSigned({ token, session });
        }}
      />
    );
  }
  return (
    <SignedContext.Provider value={context}>
      <a class="skip" href="#main" onClick={(e) => (e.preventDefault(), document.getElementById("main")?.focus())}>
        Skip to content
      </a>
      <header class="top">
        <span class="brand">Isthmus</span>
        <nav aria-label="Sections">
          <ul>
            {SECTIONS.map((section) => (
              <li key={section.view}>
                <a href={href({ view: section.view } as View)} aria-current={view.view === section.view ? "page" : undefined}>
                  {section.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <span class="who">
          <span>{context.session.name}</span>{" "}
          <span class={`role role-${context.session.role}`} data-testid="role">
            {context.session.role}
          </span>
          {!canEdit(context.session) && <span class="hint"> read-only</span>}
        </span>
        <button type="button" class="secondary" onClick={() => signOut(null)}>
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        <Current view={view} />
      </main>
    </SignedContext.Provider>
  );
}

function Current({ view }: { view: View }) {
  switch (view.view) {
    case "service":
      return <ServiceView key={`${view.namespace}/${view.name}`} namespace={view.namespace} name={view.name} />;
    case "split":
      return <SplitView key={`${view.namespace}/${view.name}`} namespace={view.namespace} name={view.name} />;
    case "rollouts":
      return <RolloutsView key={`${view.namespace}/${view.name}`} namespace={view.namespace} name={view.name} />;
    case "history":
      return <HistoryView />;
    case "security":
      return <SecurityView />;
    default:
      return <GraphView />;
  }
}
