import { NotReadyError } from "../errors.ts";
import { readinessChecks } from "../readiness.ts";
import type { Route } from "../route.ts";
import { errorBody, health, readiness } from "../schemas.ts";

export const healthRoutes: Route[] = [
  {
    method: "get",
    path: "/healthz",
    summary: "Liveness of the control-plane Worker.",
    tag: "health",
    responses: { 200: { description: "Alive", schema: health } },
    handle: (c) => c.json({ status: "ok" as const }),
  },
  {
    method: "get",
    path: "/readyz",
    summary:
      "Readiness: MeshControl answers, the CA is bootstrapped, and every ISTHMUS_READY_CHECKS probe passes " +
      "(URLs, service bindings that answer 2xx or answer at all, a configuration applied once, required resources). " +
      "503 lists what is not ready.",
    tag: "health",
    responses: { 200: { description: "Ready", schema: readiness }, 503: { description: "Not ready", schema: errorBody } },
    async handle(c) {
      const checks = await readinessChecks(c.env);
      const failing = checks.filter((check) => !check.ready);
      if (failing.length > 0) {
        throw new NotReadyError(
          `not ready: ${failing.map((check) => check.name).join(", ")}`,
          failing.map((check) => ({ path: check.name, message: check.message ?? "not ready" })),
        );
      }
      return c.json({ ready: true, checks });
    },
  },
];
