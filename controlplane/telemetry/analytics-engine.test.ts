// The Analytics Engine sink as pure code: the data point of a series, the SQL that reads
// series back, and the parser of the SQL API's FORMAT JSON answer (meta, data, rows; 64-bit
// integers may come quoted), checked against the documented format.
import { describe, expect, it } from "vitest";
import type { SeriesAggregate } from "../../contracts/telemetry/batch.ts";
import { emptyHistogram, ISTIO_BUCKETS, observe } from "../../contracts/telemetry/histogram.ts";
import { analyticsQueryConfig, dataPointOf, parseSeriesRows, queryAnalytics, seriesQuery, AnalyticsQueryError } from "./analytics-engine.ts";

function series(durations: number[], labels: Record<string, string> = {}): SeriesAggregate {
  const duration = emptyHistogram();
  for (const d of durations) observe(duration, d);
  return {
    labels: { reporter: "destination", destination_service_name: "reviews", destination_service_namespace: "default", destination_version: "v2", response_code: "200", ...labels },
    requests: durations.length,
    duration,
    requestBytes: emptyHistogram(),
    responseBytes: emptyHistogram(),
  };
}

/** What the SQL API answers for `seriesQuery` over the given points (sample interval 1), as documented. */
function answer(points: AnalyticsEngineDataPoint[], quoteIntegers = false) {
  const rows = new Map<string, number[]>();
  for (const p of points) {
    const key = p.blobs![0] as string;
    const doubles = p.doubles as number[];
    const held = rows.get(key) ?? new Array(doubles.length).fill(0);
    doubles.forEach((d, i) => (held[i] += d));
    rows.set(key, held);
  }
  const columns = ["requests", "duration_sum", ...Array.from({ length: 18 }, (_, i) => `b${i}`)];
  return {
    meta: [{ name: "labels", type: "String" }, ...columns.map((name) => ({ name, type: "Float64" }))],
    data: [...rows].map(([labels, sums]) => ({ labels, ...Object.fromEntries(columns.map((c, i) => [c, quoteIntegers && c !== "duration_sum" ? String(sums[i]) : sums[i]])) })),
    rows: rows.size,
    rows_before_limit_at_least: rows.size,
  };
}

describe("dataPointOf", () => {
  it("fits Analytics Engine's limits: 4 blobs (labels JSON first), 20 doubles, one index under 96 bytes", () => {
    const point = dataPointOf(series([3, 30, 400]));
    expect(point.blobs).toHaveLength(4);
    expect(JSON.parse(point.blobs![0] as string)).toMatchObject({ destination_service_name: "reviews", destination_version: "v2" });
    expect(point.blobs!.slice(1)).toEqual(["reviews", "default", "v2"]);
    expect(point.doubles).toHaveLength(20);
    expect(point.doubles!.slice(0, 2)).toEqual([3, 433]);
    expect(point.indexes).toEqual(["reviews.default"]);
    const long = dataPointOf(series([1], { destination_service_name: "x".repeat(200) }));
    expect(new TextEncoder().encode(long.indexes![0] as string).length).toBeLessThanOrEqual(96);
  });

  it("round-trips through the SQL answer: requests, sum and every bucket up to 600,000 ms; longer ones land in +Inf", () => {
    const a = series([0.2, 3, 3, 30, 400, 2000, 600_000]);
    const b = series([3, 1_000_000, 5_000_000], { response_code: "503" });
    const [first, second] = [a, b].map(dataPointOf);
    const parsed = parseSeriesRows(answer([first!, second!, dataPointOf(a)], true));
    const ok = parsed.find((s) => s.labels.response_code === "200")!;
    expect(ok.requests).toBe(14);
    expect(ok.duration.sum).toBeCloseTo(2 * a.duration.sum);
    expect(ok.duration.counts).toEqual(a.duration.counts.map((c) => 2 * c));
    const failed = parsed.find((s) => s.labels.response_code === "503")!;
    const inf = ISTIO_BUCKETS.length;
    expect(failed.duration.counts[inf]).toBe(2); // 1,000,000 and 5,000,000 ms
    expect(failed.duration.counts.reduce((n, c) => n + c, 0)).toBe(3);
  });
});

describe("seriesQuery", () => {
  it("sums each sampled column weighted by _sample_interval, grouped by the labels blob", () => {
    const sql = seriesQuery("isthmus_telemetry", { sinceSeconds: 60, filter: { service: "reviews", namespace: "default" } });
    expect(sql).toMatch(/^SELECT blob1 AS labels, SUM\(_sample_interval \* double1\) AS requests, SUM\(_sample_interval \* double2\) AS duration_sum, /);
    expect(sql).toContain("SUM(_sample_interval * double20) AS b17 FROM isthmus_telemetry");
    expect(sql).toContain("WHERE timestamp > NOW() - INTERVAL '60' SECOND AND blob2 = 'reviews' AND blob3 = 'default'");
    expect(sql).toMatch(/ GROUP BY blob1 FORMAT JSON$/);
    expect(seriesQuery("isthmus_telemetry")).not.toContain("WHERE");
  });

  it("quotes filter values and refuses a dataset name that is not an identifier", () => {
    expect(seriesQuery("d", { filter: { service: "a'b\\", namespace: "x" } })).toContain("blob2 = 'a\\'b\\\\'");
    expect(() => seriesQuery("d; DROP TABLE x")).toThrow(/identifier/);
    expect(() => seriesQuery("d", { sinceSeconds: 1.5 })).toThrow(/positive integer/);
  });
});

describe("parseSeriesRows", () => {
  it("refuses answers that are not the documented shape, naming the row and column", () => {
    expect(() => parseSeriesRows({ errors: ["bad"] })).toThrow(AnalyticsQueryError);
    const valid = answer([dataPointOf(series([3]))]);
    expect(() => parseSeriesRows({ ...valid, data: [{ ...valid.data[0], requests: "many" }] })).toThrow(/data\[0\]\.requests is not a number/);
    expect(() => parseSeriesRows({ ...valid, data: [{ ...valid.data[0], labels: "[1]" }] })).toThrow(/data\[0\]\.labels/);
  });
});

describe("analyticsQueryConfig and queryAnalytics", () => {
  it("names the missing settings (503 analytics_unconfigured)", () => {
    try {
      analyticsQueryConfig({ ISTHMUS_ANALYTICS_ACCOUNT_ID: "acc" });
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({ status: 503, code: "analytics_unconfigured", details: [{ path: "ISTHMUS_ANALYTICS_API_TOKEN", message: "not set" }] });
    }
    expect(analyticsQueryConfig({ ISTHMUS_ANALYTICS_ACCOUNT_ID: "acc", ISTHMUS_ANALYTICS_API_TOKEN: "t" })).toEqual({ accountId: "acc", apiToken: "t", dataset: "isthmus_telemetry" });
  });

  it("POSTs the SQL with the bearer token to the account's endpoint; a refusal is a 503 naming the status", async () => {
    const sent: Array<{ url: string; init: RequestInit }> = [];
    const fetcher = (async (url: string, init: RequestInit) => {
      sent.push({ url, init });
      return init.body === "bad" ? new Response("syntax error", { status: 422 }) : Response.json({ meta: [], data: [], rows: 0 });
    }) as unknown as typeof fetch;
    const config = { accountId: "0123", apiToken: "tok", dataset: "d" };
    expect(await queryAnalytics(config, "SELECT 1", fetcher)).toEqual({ meta: [], data: [], rows: 0 });
    expect(sent[0]).toMatchObject({ url: "https://api.cloudflare.com/client/v4/accounts/0123/analytics_engine/sql", init: { method: "POST", body: "SELECT 1", headers: { authorization: "Bearer tok" } } });
    await expect(queryAnalytics(config, "bad", fetcher)).rejects.toMatchObject({ status: 503, code: "analytics_query_failed", message: expect.stringContaining("422") });
  });
});
