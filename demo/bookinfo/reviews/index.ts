// Bookinfo's reviews service. One code base, three versions told apart by their
// environment, as Bookinfo's images are: v1 shows no ratings, v2 black stars, v3 red
// stars; v2 and v3 ask the ratings service. Knows nothing of the mesh.
import { forwardHeaders } from "../propagation.ts";
import { json, outbound, podname, productId, type PodEnv } from "../pod.ts";

export interface ReviewsEnv extends PodEnv {
  /** "true" makes this version call ratings (Bookinfo's ENABLE_RATINGS). */
  ENABLE_RATINGS?: string;
  /** Star colour when ratings are on (Bookinfo's STAR_COLOR), default black. */
  STAR_COLOR?: string;
  /** Where ratings lives (Bookinfo's RATINGS_HOSTNAME / RATINGS_SERVICE_PORT). */
  RATINGS_SERVICE?: string;
}

type Rating = { stars: number; color: string } | { error: string };

const REVIEWS = [
  { reviewer: "Reviewer1", text: "An extremely entertaining play by Shakespeare. The slapstick humour is refreshing!" },
  { reviewer: "Reviewer2", text: "Absolutely fun and entertaining. The play lacks thematic depth when compared to other plays by Shakespeare." },
];

export default {
  async fetch(request: Request, env: ReviewsEnv): Promise<Response> {
    const pod = podname("reviews", env);
    const { pathname } = new URL(request.url);
    if (pathname === "/health") return json({ status: "Reviews is healthy", podname: pod }, pod);
    if (!pathname.startsWith("/reviews/")) return json({ error: `no route for ${pathname}`, podname: pod }, pod, 404);
    const id = productId(pathname, "/reviews/");
    if (id === null) return json({ error: "please provide numeric product id", podname: pod }, pod, 400);

    const ratingsOn = env.ENABLE_RATINGS === "true";
    const color = env.STAR_COLOR ?? "black";
    const stars = ratingsOn ? await fetchRatings(request, env, id, color) : null;
    const reviews = REVIEWS.map((review) => {
      if (!ratingsOn) return review;
      const given = stars?.[review.reviewer];
      const rating: Rating = given === undefined
        ? { error: "Ratings service is currently unavailable" }
        : { stars: given, color };
      return { ...review, rating };
    });
    return json({ id: String(id), podname: pod, reviews }, pod);
  },
} satisfies ExportedHandler<ReviewsEnv>;

// Bookinfo waits 10 s for ratings with black stars and 2.5 s with red ones: the fault
// injection task's "delay for jason" behaves differently per version because of it.
async function fetchRatings(request: Request, env: ReviewsEnv, id: number, color: string) {
  const base = env.RATINGS_SERVICE ?? "http://ratings:9080";
  const timeout = color === "black" ? 10_000 : 2_500;
  try {
    const res = await outbound(env)(`${base}/ratings/${id}`, {
      headers: forwardHeaders(request),
      signal: AbortSignal.timeout(timeout),
    });
    if (res.status !== 200) return null;
    const body = (await res.json()) as { ratings?: Record<string, number> };
    return body.ratings ?? null;
  } catch {
    return null;
  }
}
