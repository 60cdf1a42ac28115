// Bookinfo's ratings service: stars per reviewer by product id. Knows nothing of the mesh.
import { json, podname, productId, type PodEnv } from "../pod.ts";

type Ratings = Record<string, number>;

// Ratings posted by users live in the isolate, as Bookinfo's v1 keeps them in memory.
const posted = new Map<number, Ratings>();

/** The ratings of a product: posted ones, else Bookinfo's fixed 5 and 4 stars. */
export function productRatings(id: number): { id: number; ratings: Ratings } {
  return { id, ratings: posted.get(id) ?? { Reviewer1: 5, Reviewer2: 4 } };
}

export default {
  async fetch(request: Request, env: PodEnv): Promise<Response> {
    const pod = podname("ratings", env);
    const { pathname } = new URL(request.url);
    if (pathname === "/health") return json({ status: "Ratings is healthy", podname: pod }, pod);
    if (!pathname.startsWith("/ratings/")) return json({ error: `no route for ${pathname}`, podname: pod }, pod, 404);
    const id = productId(pathname, "/ratings/");
    if (id === null) return json({ error: "please provide numeric product ID", podname: pod }, pod, 400);
    if (request.method === "POST") {
      const body = await request.json().catch(() => null);
      if (!isRatings(body)) return json({ error: "please provide valid ratings JSON", podname: pod }, pod, 400);
      posted.set(id, body);
    }
    return json({ ...productRatings(id), podname: pod }, pod);
  },
} satisfies ExportedHandler<PodEnv>;

function isRatings(value: unknown): value is Ratings {
  return typeof value === "object" && value !== null && !Array.isArray(value) &&
    Object.values(value).every((stars) => Number.isInteger(stars));
}
