import { parseDuration } from "../../resources/duration.ts";
import { mutableResponse } from "../mutable-response.ts";
import { setCookieValue } from "../traffic/cookies.ts";
import { hashKeyOf, type HashKeySource } from "../traffic/hash-key.ts";
import type { OutboundCall } from "./call.ts";

/**
 * The consistent-hash key of a request for this call. A hash cookie with a `ttl` that the
 * request lacks is generated, as Envoy does: a new random value routes this request, and
 * `withGeneratedCookies` sets it on the response (`Max-Age` from the ttl, none for `0s`: a
 * session cookie; `Path` when given), so the client's next requests carry it. One value per
 * cookie name and request, shared by destination and endpoint choice; mirrored copies
 * generate none.
 */
export function callHashKey(request: Request, call: OutboundCall, source: HashKeySource): string | undefined {
  const key = hashKeyOf(request, source, sourceIpOf(request));
  const cookie = source.httpCookie;
  if (key !== undefined || cookie?.ttl === undefined || call.shadow) return key;
  call.generatedCookies ??= new Map();
  let generated = call.generatedCookies.get(cookie.name);
  if (!generated) {
    const value = randomCookieValue();
    const maxAgeSeconds = Math.floor(parseDuration(cookie.ttl) / 1000);
    generated = { value, setCookie: setCookieValue(cookie.name, value, { maxAgeSeconds, path: cookie.path }) };
    call.generatedCookies.set(cookie.name, generated);
  }
  return generated.value;
}

/** The response with a `Set-Cookie` for each hash cookie generated for this call. */
export function withGeneratedCookies(response: Response, call: OutboundCall): Response {
  if (!call.generatedCookies?.size) return response;
  const out = mutableResponse(response);
  for (const { setCookie } of call.generatedCookies.values()) out.headers.append("set-cookie", setCookie);
  return out;
}

/** The client address at the edge (Cloudflare sets CF-Connecting-IP), for `useSourceIp`. */
export function sourceIpOf(request: Request): string | undefined {
  return request.headers.get("cf-connecting-ip") ?? undefined;
}

function randomCookieValue(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
