// Workers Analytics Engine as the production sink of Istio's request series: one data
// point per series per flush (writeDataPoint), read back through the SQL API. Analytics
// Engine takes at most 20 blobs, 20 doubles, one index of 96 bytes per point and 250 points
// per invocation, and samples what it stores (each row carries `_sample_interval`).
//
// A data point: blob1 = the series' labels as JSON (the series identity), blob2..blob4 =
// destination service name, namespace and version (to filter on), index1 = the destination
// `name.namespace` (the sampling key). double1 = requests, double2 = the duration sum (ms),
// double3..double19 = the duration histogram's counts for Istio's buckets up to 600,000 ms,
// double20 = every longer request (Istio's 1,800,000 and 3,600,000 ms buckets and +Inf; a
// Worker request that long is rare, and 20 doubles is the limit). Request and response
// byte histograms are not written: with this sink they are absent from /metrics.
import type { SeriesAggregate } from "../../contracts/telemetry/batch.ts";
import { ISTIO_BUCKETS, type Histogram } from "../../contracts/telemetry/histogram.ts";
import type { ServiceFilter, WindowSeries } from "./telemetry-object.ts";
import { ApiError } from "../http/errors.ts";

/** Duration buckets with a double of their own; the rest share the last double. */
const OWN_BUCKETS = 17;
/** Points written per flush at most (Analytics Engine allows 250 per invocation). */
export const MAX_POINTS_PER_FLUSH = 240;
export const DEFAULT_DATASET = "isthmus_telemetry";
const SQL_API = (accountId: string) => `https://api.cloudflare.com/client/v4/accounts/${accountId}/analytics_engine/sql`;

export type AnalyticsEnv = {
  /** The Analytics Engine dataset binding; series go there instead of the Telemetry shards when set. */
  ISTHMUS_ANALYTICS?: AnalyticsEngineDataset;
  /** The dataset's name as the SQL API knows it (the binding's `dataset`); default isthmus_telemetry. */
  ISTHMUS_ANALYTICS_DATASET?: string;
  ISTHMUS_ANALYTICS_ACCOUNT_ID?: string;
  /** An API token with Account Analytics Read (a secret). */
  ISTHMUS_ANALYTICS_API_TOKEN?: string;
};

export type AnalyticsQueryConfig = { accountId: string; apiToken: string; dataset: string };

/** The data point of one series (see the layout above). */
export function dataPointOf(series: SeriesAggregate): AnalyticsEngineDataPoint {
  const { labels, duration } = series;
  const service = `${labels.destination_service_name ?? "unknown"}.${labels.destination_service_namespace ?? "unknown"}`;
  const counts = duration.counts;
  let longer = 0;
  for (let i = OWN_BUCKETS; i < counts.length; i++) longer += counts[i] ?? 0;
  return {
    blobs: [JSON.stringify(labels), labels.destination_service_name ?? "unknown", labels.destination_service_namespace ?? "unknown", labels.destination_version ?? "unknown"],
    doubles: [series.requests, duration.sum, ...Array.from({ length: OWN_BUCKETS }, (_, i) => counts[i] ?? 0), longer],
    indexes: [truncateUtf8(service, 96)],
  };
}

/**
 * SQL summing every series over the last `sinceSeconds` (all the dataset keeps, three
 * months, when unset), one row per label set, weighted by each row's sample interval.
 */
export function seriesQuery(dataset: string, options: { sinceSeconds?: number; filter?: ServiceFilter } = {}): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(dataset)) throw new TypeError(`dataset name ${JSON.stringify(dataset)} is not an identifier`);
  const sum = (n: number, as: string) => `SUM(_sample_interval * double${n}) AS ${as}`;
  const columns = ["blob1 AS labels", sum(1, "requests"), sum(2, "duration_sum"), ...Array.from({ length: OWN_BUCKETS + 1 }, (_, i) => sum(i + 3, `b${i}`))];
  const where: string[] = [];
  if (options.sinceSeconds !== undefined) {
    if (!Number.isInteger(options.sinceSeconds) || options.sinceSeconds <= 0) throw new TypeError("sinceSeconds must be a positive integer");
    where.push(`timestamp > NOW() - INTERVAL '${options.sinceSeconds}' SECOND`);
  }
  if (options.filter) where.push(`blob2 = ${quote(options.filter.service)}`, `blob3 = ${quote(options.filter.namespace)}`);
  return `SELECT ${columns.join(", ")} FROM ${dataset}${where.length ? ` WHERE ${where.join(" AND ")}` : ""} GROUP BY blob1 FORMAT JSON`;
}

/**
 * The series of a `seriesQuery` answer (the SQL API's FORMAT JSON: `{ meta, data, rows }`,
 * 64-bit integers possibly as strings). Throws `AnalyticsQueryError` on any other shape.
 */
export function parseSeriesRows(body: unknown): WindowSeries[] {
  const data = (body as { data?: unknown })?.data;
  if (!Array.isArray(data)) throw new AnalyticsQueryError("the SQL API answer has no data array");
  return data.map((row, index) => {
    const r = row as Record<string, unknown>;
    let labels: unknown;
    try {
      labels = JSON.parse(String(r.labels));
    } catch {
      throw new AnalyticsQueryError(`data[${index}].labels is not a JSON label set`);
    }
    if (typeof labels !== "object" || labels === null || Array.isArray(labels)) throw new AnalyticsQueryError(`data[${index}].labels is not a JSON label set`);
    const counts = new Array<number>(ISTIO_BUCKETS.length + 1).fill(0);
    for (let i = 0; i < OWN_BUCKETS; i++) counts[i] = numberAt(r, `b${i}`, index);
    counts[ISTIO_BUCKETS.length] = numberAt(r, `b${OWN_BUCKETS}`, index);
    const duration: Histogram = { counts, sum: numberAt(r, "duration_sum", index, false) };
    return { labels: labels as Record<string, string>, requests: numberAt(r, "requests", index), duration };
  });
}

/** The SQL API settings; a 503 naming what is missing when the binding is set without them. */
export function analyticsQueryConfig(env: AnalyticsEnv): AnalyticsQueryConfig {
  const missing = (["ISTHMUS_ANALYTICS_ACCOUNT_ID", "ISTHMUS_ANALYTICS_API_TOKEN"] as const).filter((name) => !env[name]);
  if (missing.length > 0) {
    throw new ApiError(503, "analytics_unconfigured", `series are written to Analytics Engine (ISTHMUS_ANALYTICS), but reading them needs ${missing.join(" and ")}`, missing.map((path) => ({ path, message: "not set" })));
  }
  return { accountId: env.ISTHMUS_ANALYTICS_ACCOUNT_ID!, apiToken: env.ISTHMUS_ANALYTICS_API_TOKEN!, dataset: env.ISTHMUS_ANALYTICS_DATASET || DEFAULT_DATASET };
}

/** Runs one query on the SQL API (a POST of the SQL text, bearer token); the parsed JSON answer. */
export async function queryAnalytics(config: AnalyticsQueryConfig, sql: string, fetcher: typeof fetch = fetch): Promise<unknown> {
  let response: Response;
  try {
    response = await fetcher(SQL_API(config.accountId), { method: "POST", headers: { authorization: `Bearer ${config.apiToken}` }, body: sql });
  } catch (error) {
    throw new AnalyticsQueryError(`the Analytics Engine SQL API is unreachable: ${String(error)}`);
  }
  const text = await response.text();
  if (!response.ok) throw new AnalyticsQueryError(`the Analytics Engine SQL API answered ${response.status}: ${text.slice(0, 300)}`);
  try {
    return JSON.parse(text);
  } catch {
    throw new AnalyticsQueryError("the Analytics Engine SQL API answered something other than JSON");
  }
}

export class AnalyticsQueryError extends ApiError {
  constructor(message: string) {
    super(503, "analytics_query_failed", message);
  }
}

function numberAt(row: Record<string, unknown>, column: string, index: number, integer = true): number {
  const value = typeof row[column] === "string" ? Number(row[column]) : row[column];
  if (typeof value !== "number" || !Number.isFinite(value)) throw new AnalyticsQueryError(`data[${index}].${column} is not a number`);
  return integer ? Math.round(value) : value;
}

// SQL string literal: quotes and backslashes escaped.
function quote(text: string): string {
  return `'${text.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

function truncateUtf8(text: string, bytes: number): string {
  const encoded = new TextEncoder().encode(text);
  if (encoded.length <= bytes) return text;
  return new TextDecoder().decode(encoded.slice(0, bytes)).replace(/\uFFFD$/, "");
}
