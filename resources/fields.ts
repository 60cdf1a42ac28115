import { z } from "zod";
import { parseDuration } from "./duration.ts";
import { InvalidRegexRewriteError } from "./errors.ts";
import { compileRegex } from "./regex.ts";
import { compileRegexRewrite } from "./regex-rewrite.ts";
import { Dns1123Label, Labels } from "./metadata.ts";

/**
 * A field of Istio's API that Isthmus knows but does not implement: refused by name rather
 * than accepted and ignored.
 */
export function unsupported(field: string, reason: string) {
  return z.never({ error: `unsupported field "${field}": ${reason}` }).optional();
}

/** A Go/Istio duration string: `10s`, `0.5s`, `1m30s`, `100ms`. */
export const Duration = z.string().refine(
  (text) => {
    try {
      parseDuration(text);
      return true;
    } catch {
      return false;
    }
  },
  { error: 'must be a duration such as "10s", "0.5s", "1m" or "100ms"' },
);

/** A valid RE2 regex within Istio's program size (see `compileRegex`). */
export const Regex = z.string().superRefine((pattern, ctx) => {
  try {
    compileRegex(pattern);
  } catch (error) {
    ctx.addIssue({ code: "custom", message: (error as Error).message });
  }
});

/** `uriRegexRewrite`: an RE2 regex and a rewrite RE2 can apply with it (`\1`, not `$1`). */
export const RegexRewrite = z.strictObject({ match: Regex, rewrite: z.string() }).superRefine((r, ctx) => {
  try {
    compileRegexRewrite(r.match, r.rewrite);
  } catch (error) {
    // An invalid `match` is already reported on its own path.
    if (error instanceof InvalidRegexRewriteError) ctx.addIssue({ code: "custom", path: ["rewrite"], message: error.message });
  }
});

const stringMatchShape = { exact: z.string().optional(), prefix: z.string().optional(), regex: Regex.optional() };
const matchCount = (m: { exact?: string; prefix?: string; regex?: string }) =>
  [m.exact, m.prefix, m.regex].filter((v) => v !== undefined).length;

/** Istio StringMatch: exactly one of `exact`, `prefix`, `regex` (regex is a full match). */
export const StringMatch = z
  .strictObject(stringMatchShape)
  .refine((m) => matchCount(m) === 1, { error: "must set exactly one of exact, prefix, regex" });
export type StringMatch = z.infer<typeof StringMatch>;

/** StringMatch in a header or query map, where `{}` means "present, any value" (Istio). */
export const PresenceStringMatch = z
  .strictObject(stringMatchShape)
  .refine((m) => matchCount(m) <= 1, { error: "must set at most one of exact, prefix, regex" });

/** Istio Percent: `{ value }`, 0..100, fractions allowed. */
export const Percent = z.strictObject({
  value: z.number().min(0, "must be 0..100").max(100, "must be 0..100"),
});

export const PortNumber = z
  .number()
  .int("must be a whole number")
  .min(1, "must be a port number 1..65535")
  .max(65535, "must be a port number 1..65535");

/**
 * A route weight in percent, 0..100. Isthmus allows fractions to 0.01 (Istio allows whole
 * numbers only), so a 0.25 % canary is expressible.
 */
export const Weight = z
  .number()
  .min(0, "must be 0..100")
  .max(100, "must be 0..100")
  .refine((w) => Math.abs(w * 100 - Math.round(w * 100)) < 1e-6, {
    error: "must have at most two decimal places (0.01 granularity)",
  });

export const WorkloadSelector = z.strictObject({ matchLabels: Labels.optional() });

/** `exportTo`: `.` (this namespace), `*` (all) or namespace names. */
export const ExportTo = z.array(
  z.string().refine((ns) => ns === "." || ns === "*" || Dns1123Label.safeParse(ns).success, {
    error: 'must be ".", "*" or a namespace name',
  }),
);

export const NonEmptyString = z.string().min(1, "must not be empty");
