import type { Handler, Hono } from "hono";
import { KINDS } from "../../resources/index.ts";
import { requireRole } from "./auth.ts";
import type { ControlEnv } from "../env.ts";
import type { Operation } from "./openapi/operation.ts";

/** An operation with its handler: what the route modules under routes/ export. */
export interface Route extends Operation {
  handle: Handler<ControlEnv>;
}

// Path parameters with a fixed shape, so `/v1/{plural}` cannot swallow `/v1/revisions`.
const PATTERNS: Record<string, string> = {
  plural: `(?:${KINDS.map((info) => info.plural).join("|")})`,
  revision: "[0-9]+",
};

/** Registers a route on `app` behind the role its operation names. */
export function mount(app: Hono<ControlEnv>, route: Route): void {
  // `{name}:verb` (a custom method, as `rollouts/{name}:promote`) is one segment: its parameter holds `name:verb`.
  const path = route.path.replace(/\{(\w+)\}(:\w+)?/g, (_, name: string, verb?: string) =>
    verb ? `:${name}{[^/:]+${verb}}` : PATTERNS[name] ? `:${name}{${PATTERNS[name]}}` : `:${name}`,
  );
  const method = route.method.toUpperCase();
  if (route.role) app.on(method, path, requireRole(route.role, route.alsoAllow), route.handle);
  else app.on(method, path, route.handle);
}
