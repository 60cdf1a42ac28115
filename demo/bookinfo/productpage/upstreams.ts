// productpage's calls to details, reviews and ratings, with Bookinfo's timeouts and its
// deliberate double try of reviews (the fault-injection task relies on it).
import { outbound, type PodEnv } from "../pod.ts";

export interface ProductPageEnv extends PodEnv {
  DETAILS_SERVICE?: string;
  REVIEWS_SERVICE?: string;
  RATINGS_SERVICE?: string;
}

export interface Upstream {
  status: number;
  body: Record<string, unknown>;
}

const TIMEOUT_MS = 3_000;

export function getDetails(env: ProductPageEnv, id: string, headers: Headers): Promise<Upstream> {
  const base = env.DETAILS_SERVICE ?? "http://details:9080";
  return call(env, `${base}/details/${id}`, headers, "Sorry, product details are currently unavailable for this book.");
}

export async function getReviews(env: ProductPageEnv, id: string, headers: Headers): Promise<Upstream> {
  const base = env.REVIEWS_SERVICE ?? "http://reviews:9080";
  const failure = "Sorry, product reviews are currently unavailable for this book.";
  const first = await call(env, `${base}/reviews/${id}`, headers, failure);
  return first.status === 200 ? first : call(env, `${base}/reviews/${id}`, headers, failure);
}

export function getRatings(env: ProductPageEnv, id: string, headers: Headers): Promise<Upstream> {
  const base = env.RATINGS_SERVICE ?? "http://ratings:9080";
  return call(env, `${base}/ratings/${id}`, headers, "Sorry, product ratings are currently unavailable for this book.");
}

async function call(env: ProductPageEnv, url: string, headers: Headers, failure: string): Promise<Upstream> {
  try {
    const res = await outbound(env)(url, { headers, signal: AbortSignal.timeout(TIMEOUT_MS) });
    if (res.status === 200) return { status: 200, body: (await res.json()) as Record<string, unknown> };
    await res.body?.cancel();
    return { status: res.status || 500, body: { error: failure } };
  } catch {
    return { status: 500, body: { error: failure } };
  }
}
