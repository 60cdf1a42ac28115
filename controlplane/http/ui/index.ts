// The dashboard at /ui: its page and bundled assets (public: they hold no data), and
// /ui/session, which tells the page who its token belongs to. Every figure the page shows
// comes from the REST API with the user's own token, so the API enforces the roles.
import bundle from "isthmus:dashboard";
import { Hono } from "hono";
import { requireRole } from "../auth.ts";
import type { ControlEnv } from "../../env.ts";
import { dashboardPage } from "./page.ts";

// The page loads only its own script and style and talks only to this origin.
const SECURITY_HEADERS = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
};

function asset(body: string, contentType: string, requested: string | undefined): Response {
  // A versioned URL never changes content; an unversioned one must be revalidated.
  const cache = requested === bundle.version ? "public, max-age=31536000, immutable" : "no-cache";
  return new Response(body, {
    headers: { "content-type": contentType, "cache-control": cache, etag: `"${bundle.version}"`, "x-content-type-options": "nosniff" },
  });
}

/** Mounted by the control API app at "/". */
export const uiRoutes = new Hono<ControlEnv>();

uiRoutes.get("/ui", (c) => c.redirect("/ui/", 308));
uiRoutes.get("/ui/", (c) => c.html(dashboardPage(bundle.version), 200, { ...SECURITY_HEADERS, "cache-control": "no-cache" }));
uiRoutes.get("/ui/app.js", (c) => asset(bundle.js, "text/javascript; charset=utf-8", c.req.query("v")));
uiRoutes.get("/ui/app.css", (c) => asset(bundle.css, "text/css; charset=utf-8", c.req.query("v")));
uiRoutes.get("/ui/session", requireRole("viewer"), (c) => {
  const { name, role } = c.var.principal;
  return c.json({ name, role });
});
