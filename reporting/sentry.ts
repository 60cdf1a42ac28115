// Uncaught errors to Sentry through toucan-js when SENTRY_DSN is set. The report carries the
// request's trace id as a tag; credentials are scrubbed before anything leaves: only safe
// headers and no cookies are attached, and every string is cleared of JWTs and secret-keyed
// values (authorization, tokens, join tokens).
import { Toucan } from "toucan-js";
import { redactValue, SECRET_KEY_PATTERN } from "./redact.ts";

export type SentryEnv = { SENTRY_DSN?: string; SENTRY_ENVIRONMENT?: string; SENTRY_RELEASE?: string };

/** Request headers a report may carry; everything else (credentials included) is left out. */
const SAFE_HEADERS = ["accept", "content-type", "content-length", "host", "user-agent", "x-request-id", "traceparent", "cf-ray"];

/**
 * Reports `error` for `request`, sending in `ctx.waitUntil`. Returns the event id, or null
 * when no DSN is configured. Never throws.
 */
export function captureError(
  env: SentryEnv,
  ctx: { waitUntil(promise: Promise<unknown>): void },
  request: Request,
  error: unknown,
  tags: { traceId?: string; workload?: string } = {},
): string | null {
  if (!env.SENTRY_DSN) return null;
  try {
    const sentry = new Toucan({
      dsn: env.SENTRY_DSN,
      context: ctx,
      request,
      environment: env.SENTRY_ENVIRONMENT,
      release: env.SENTRY_RELEASE,
      requestDataOptions: {
        allowedHeaders: SAFE_HEADERS,
        allowedCookies: false,
        allowedSearchParams: new RegExp(`^(?!.*(${SECRET_KEY_PATTERN.source})).*$`, "i"),
        allowedIps: false,
      },
      beforeSend: (event) => redactValue(event) as typeof event,
    });
    if (tags.traceId) sentry.setTag("trace_id", tags.traceId);
    if (tags.workload) sentry.setTag("workload", tags.workload);
    return sentry.captureException(error);
  } catch (reportError) {
    console.warn(JSON.stringify({ msg: "error report failed", error: String(reportError) }));
    return null;
  }
}
