// Bookinfo's productpage: the web page and API in front of details, reviews and ratings.
// Knows nothing of the mesh: it calls `http://details:9080/...` like Bookinfo does and
// passes the user and trace headers on.
import { forwardHeaders } from "../propagation.ts";
import { PODNAME_HEADER, json, podname } from "../pod.ts";
import { renderProductPage } from "./page.ts";
import { PRODUCTS } from "./products.ts";
import { currentUser, loginCookie, logoutCookie } from "./session.ts";
import { getDetails, getRatings, getReviews, type ProductPageEnv } from "./upstreams.ts";

const API = /^\/api\/v1\/products\/([^/]+)(?:\/(reviews|ratings))?$/;

export default {
  async fetch(request: Request, env: ProductPageEnv): Promise<Response> {
    const pod = podname("productpage", env);
    const url = new URL(request.url);
    const path = url.pathname;
    const user = currentUser(request);
    const headers = forwardHeaders(request);
    if (user) headers.set("end-user", user);

    if (path === "/health") return text("Product page is healthy", pod);
    if (path === "/" || path === "/index.html") return html(indexPage(), pod);
    if (path === "/login" && request.method === "POST") {
      const form = await request.formData().catch(() => null);
      const name = String(form?.get("username") ?? "");
      return redirect(back(request), pod, loginCookie(name));
    }
    if (path === "/logout") return redirect(back(request), pod, logoutCookie());
    if (path === "/productpage") {
      const id = "0";
      const details = await getDetails(env, id, headers);
      const reviews = await getReviews(env, id, headers);
      return html(renderProductPage({ pod, user, product: PRODUCTS[0], details, reviews }), pod);
    }
    if (path === "/api/v1/products") return json(PRODUCTS, pod);
    const api = API.exec(path);
    if (api) {
      const [, id, what] = api;
      const fetcher = what === "reviews" ? getReviews : what === "ratings" ? getRatings : getDetails;
      const { status, body } = await fetcher(env, id, headers);
      return json(body, pod, status);
    }
    return json({ error: `no route for ${path}`, podname: pod }, pod, 404);
  },
} satisfies ExportedHandler<ProductPageEnv>;

function back(request: Request): string {
  return request.headers.get("referer") ?? "/productpage";
}

function text(body: string, pod: string): Response {
  return new Response(body, { headers: { "content-type": "text/plain", [PODNAME_HEADER]: pod } });
}

function html(body: string, pod: string): Response {
  return new Response(body, { headers: { "content-type": "text/html; charset=utf-8", [PODNAME_HEADER]: pod } });
}

function redirect(location: string, pod: string, cookie: string): Response {
  return new Response(null, { status: 302, headers: { location, "set-cookie": cookie, [PODNAME_HEADER]: pod } });
}

function indexPage(): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Simple Bookstore App</title></head>
<body><h1>Hello! This is a simple bookstore application consisting of four services</h1>
<p>productpage calls details and reviews; reviews v2 and v3 call ratings.</p>
<p><a href="/productpage">Normal user</a> · <a href="/productpage?u=test">Test user</a></p></body></html>
`;
}
