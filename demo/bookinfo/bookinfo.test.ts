import { describe, expect, it } from "vitest";
import details from "./details/index.ts";
import productpage from "./productpage/index.ts";
import ratings from "./ratings/index.ts";
import reviews from "./reviews/index.ts";
import { PODNAME_HEADER } from "./pod.ts";

type Handler = { fetch(request: Request, env: any): Promise<Response> };

// Joins the handlers by host name the way the mesh would, recording every outbound call.
function fabric(reviewsVersion: "v1" | "v2" | "v3", seen: Request[] = []) {
  const reviewsEnv = {
    v1: { SERVICE_VERSION: "v1" },
    v2: { SERVICE_VERSION: "v2", ENABLE_RATINGS: "true" },
    v3: { SERVICE_VERSION: "v3", ENABLE_RATINGS: "true", STAR_COLOR: "red" },
  }[reviewsVersion];
  const services: Record<string, [Handler, Record<string, unknown>]> = {
    details: [details, { SERVICE_VERSION: "v1" }],
    reviews: [reviews, reviewsEnv],
    ratings: [ratings, { SERVICE_VERSION: "v1" }],
  };
  const MESH = {
    async fetch(input: string, init?: RequestInit) {
      const request = new Request(input, init);
      seen.push(request);
      const [handler, env] = services[new URL(input).hostname];
      return handler.fetch(request, { ...env, MESH });
    },
  };
  return { SERVICE_VERSION: "v1", MESH };
}

describe("bookinfo services", () => {
  it("details answers book facts and names its pod", async () => {
    const res = await details.fetch(new Request("http://details:9080/details/0"), { SERVICE_VERSION: "v1" });
    expect(res.headers.get(PODNAME_HEADER)).toBe("details-v1");
    expect(await res.json()).toMatchObject({ id: 0, author: "William Shakespeare", podname: "details-v1" });
    const bad = await details.fetch(new Request("http://details:9080/details/x"), {});
    expect(bad.status).toBe(400);
  });

  it("ratings serves fixed stars and remembers posted ones", async () => {
    const env = { SERVICE_VERSION: "v1" };
    const got = await ratings.fetch(new Request("http://ratings/ratings/7"), env);
    expect(await got.json()).toMatchObject({ id: 7, ratings: { Reviewer1: 5, Reviewer2: 4 }, podname: "ratings-v1" });
    const post = new Request("http://ratings/ratings/7", { method: "POST", body: JSON.stringify({ Reviewer1: 1 }) });
    expect((await ratings.fetch(post, env)).status).toBe(200);
    const again = await ratings.fetch(new Request("http://ratings/ratings/7"), env);
    expect(((await again.json()) as any).ratings).toEqual({ Reviewer1: 1 });
    const invalid = new Request("http://ratings/ratings/7", { method: "POST", body: "[1]" });
    expect((await ratings.fetch(invalid, env)).status).toBe(400);
  });

  it("reviews v1 shows no ratings and never calls ratings", async () => {
    const seen: Request[] = [];
    const env = fabric("v1", seen);
    const res = await reviews.fetch(new Request("http://reviews/reviews/0"), { SERVICE_VERSION: "v1", MESH: env.MESH });
    const body = (await res.json()) as any;
    expect(body.podname).toBe("reviews-v1");
    expect(body.reviews[0].rating).toBeUndefined();
    expect(seen).toHaveLength(0);
  });

  it("reviews v3 shows red stars and passes end-user and trace headers to ratings", async () => {
    const seen: Request[] = [];
    const { MESH } = fabric("v3", seen);
    const request = new Request("http://reviews/reviews/0", {
      headers: { "end-user": "jason", traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "x-secret": "no" },
    });
    const res = await reviews.fetch(request, { SERVICE_VERSION: "v3", ENABLE_RATINGS: "true", STAR_COLOR: "red", MESH });
    const body = (await res.json()) as any;
    expect(body.podname).toBe("reviews-v3");
    expect(body.reviews[0].rating).toEqual({ stars: 5, color: "red" });
    expect(seen[0].url).toBe("http://ratings:9080/ratings/0");
    expect(seen[0].headers.get("end-user")).toBe("jason");
    expect(seen[0].headers.get("traceparent")).toMatch(/^00-0af7/);
    expect(seen[0].headers.get("x-secret")).toBeNull();
  });

  it("reviews reports ratings unavailable when ratings fails", async () => {
    const MESH = { fetch: async () => new Response("fault filter abort", { status: 500 }) };
    const res = await reviews.fetch(new Request("http://reviews/reviews/0"), { SERVICE_VERSION: "v2", ENABLE_RATINGS: "true", MESH });
    const body = (await res.json()) as any;
    expect(body.reviews[1].rating).toEqual({ error: "Ratings service is currently unavailable" });
  });
});

describe("productpage", () => {
  it("renders details and reviews with the pods that served them", async () => {
    const env = fabric("v2");
    const res = await productpage.fetch(new Request("http://gw/productpage"), env);
    expect(res.status).toBe(200);
    expect(res.headers.get(PODNAME_HEADER)).toBe("productpage-v1");
    const page = await res.text();
    expect(page).toContain("The Comedy of Errors");
    expect(page).toContain("PublisherA");
    expect(page).toContain("Details served by: details-v1");
    expect(page).toContain("Reviews served by: reviews-v2");
    expect(page).toContain('data-color="black" data-stars="5"');
  });

  it("passes the user as end-user from ?u=, the session cookie, or the inbound header", async () => {
    for (const request of [
      new Request("http://gw/productpage?u=jason"),
      new Request("http://gw/productpage", { headers: { cookie: "a=b; session=jason" } }),
      new Request("http://gw/productpage", { headers: { "end-user": "jason" } }),
    ]) {
      const seen: Request[] = [];
      const page = await (await productpage.fetch(request, fabric("v2", seen))).text();
      expect(page).toContain('<span id="user">jason</span>');
      const toRatings = seen.find((r) => new URL(r.url).hostname === "ratings")!;
      expect(seen.filter((r) => r.headers.get("end-user") === "jason")).toHaveLength(3);
      expect(toRatings.headers.get("end-user")).toBe("jason");
    }
  });

  it("logs in with a session cookie and out again", async () => {
    const login = await productpage.fetch(
      new Request("http://gw/login", { method: "POST", body: new URLSearchParams({ username: "jason" }), headers: { referer: "http://gw/productpage" } }),
      fabric("v1"),
    );
    expect(login.status).toBe(302);
    expect(login.headers.get("location")).toBe("http://gw/productpage");
    expect(login.headers.get("set-cookie")).toMatch(/^session=jason;/);
    const logout = await productpage.fetch(new Request("http://gw/logout"), fabric("v1"));
    expect(logout.headers.get("set-cookie")).toMatch(/^session=;.*Max-Age=0/);
  });

  it("serves Bookinfo's API from the upstream answers", async () => {
    const env = fabric("v3");
    const products = await (await productpage.fetch(new Request("http://gw/api/v1/products"), env)).json();
    expect(products).toEqual([expect.objectContaining({ id: 0, title: "The Comedy of Errors" })]);
    const one = (await (await productpage.fetch(new Request("http://gw/api/v1/products/0"), env)).json()) as any;
    expect(one.podname).toBe("details-v1");
    const rv = (await (await productpage.fetch(new Request("http://gw/api/v1/products/0/reviews"), env)).json()) as any;
    expect(rv.podname).toBe("reviews-v3");
    const rt = (await (await productpage.fetch(new Request("http://gw/api/v1/products/0/ratings"), env)).json()) as any;
    expect(rt).toMatchObject({ podname: "ratings-v1", ratings: { Reviewer1: 5 } });
    expect(await (await productpage.fetch(new Request("http://gw/health"), env)).text()).toBe("Product page is healthy");
  });

  it("shows Bookinfo's error text when reviews fail, after trying twice", async () => {
    let calls = 0;
    const MESH = {
      async fetch(input: string) {
        if (new URL(input).hostname === "reviews") calls++;
        return new Response("no healthy upstream", { status: 503 });
      },
    };
    const res = await productpage.fetch(new Request("http://gw/productpage"), { MESH });
    const page = await res.text();
    expect(page).toContain("Sorry, product reviews are currently unavailable for this book.");
    expect(page).toContain("Sorry, product details are currently unavailable for this book.");
    expect(calls).toBe(2);
    const api = await productpage.fetch(new Request("http://gw/api/v1/products/0/reviews"), { MESH });
    expect(api.status).toBe(503);
  });
});
