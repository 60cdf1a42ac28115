// Views by location hash: #/graph, #/services/NS/NAME, #/split/NS/NAME, #/rollouts/NS/NAME,
// #/history, #/security.
import { useEffect, useState } from "preact/hooks";

export type View =
  | { view: "graph" }
  | { view: "service"; namespace: string; name: string }
  | { view: "split"; namespace?: string; name?: string }
  | { view: "rollouts"; namespace?: string; name?: string }
  | { view: "history" }
  | { view: "security" };

export function parseHash(hash: string): View {
  const [view, namespace, name] = hash.replace(/^#\/?/, "").split("/").map(decodeURIComponent);
  if (view === "services" && namespace && name) return { view: "service", namespace, name };
  if (view === "split" || view === "rollouts") return namespace && name ? { view, namespace, name } : { view };
  if (view === "history" || view === "security") return { view };
  return { view: "graph" };
}

export function href(view: View): string {
  switch (view.view) {
    case "service":
      return `#/services/${encodeURIComponent(view.namespace)}/${encodeURIComponent(view.name)}`;
    case "split":
    case "rollouts":
      return view.namespace && view.name ? `#/${view.view}/${encodeURIComponent(view.namespace)}/${encodeURIComponent(view.name)}` : `#/${view.view}`;
    default:
      return `#/${view.view}`;
  }
}

export function useView(): View {
  const [view, setView] = useState(() => parseHash(location.hash));
  useEffect(() => {
    const onChange = () => setView(parseHash(location.hash));
    addEventListener("hashchange", onChange);
    return () => removeEventListener("hashchange", onChange);
  }, []);
  return view;
}
