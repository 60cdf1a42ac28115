// What a data-plane Worker tells the control plane about its reach: the names of the
// service bindings and dispatch namespaces in its env (never their values), so that routes
// to a `worker://` endpoint it holds no binding for are reported at apply time instead of
// answering 503 at run time. Sent with snapshot pulls, not per request.

import type { BindingReport } from "../../contracts/snapshot/binding-report.ts";

export type { BindingReport };

type Binding = { fetch?: unknown; get?: unknown; put?: unknown; list?: unknown; idFromName?: unknown };

/**
 * The binding names in `env`: a service binding has `fetch`; a dispatch namespace has `get`
 * and none of what KV, R2 and Durable Object namespaces also have.
 */
export function bindingReport(env: Record<string, unknown>): BindingReport {
  const services: string[] = [];
  const dispatchNamespaces: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (value === null || typeof value !== "object") continue;
    const binding = value as Binding;
    if (typeof binding.fetch === "function") services.push(name);
    else if (typeof binding.get === "function" && typeof binding.put !== "function" && typeof binding.list !== "function" && typeof binding.idFromName !== "function") {
      dispatchNamespaces.push(name);
    }
  }
  return { services: services.sort(), dispatchNamespaces: dispatchNamespaces.sort() };
}

/**
 * The report to send with a pull: on the isolate's first pull and then at most every
 * `everyMs` (so a control plane whose state was wiped learns it again), else undefined.
 * The bindings of a deployed Worker never change, so more often would say nothing new.
 */
export function dueReport(env: Record<string, unknown>, everyMs = 60_000, now: () => number = Date.now): () => BindingReport | undefined {
  let report: BindingReport | undefined;
  let sentAt = -Infinity;
  return () => {
    const at = now();
    if (at - sentAt < everyMs) return undefined;
    sentAt = at;
    return (report ??= bindingReport(env));
  };
}
