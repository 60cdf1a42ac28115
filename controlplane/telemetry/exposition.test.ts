import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { describe, expect, it } from "vitest";
import { emptyHistogram, ISTIO_BUCKETS, observe } from "../../contracts/telemetry/histogram.ts";
import { escapeLabelValue, Exposition } from "./exposition.ts";

describe("Prometheus exposition", () => {
  it("renders counters, gauges and histograms that a Prometheus parser reads back", () => {
    const h = emptyHistogram();
    for (const v of [0.3, 4, 4, 70, 5_000_000]) observe(h, v);
    const text = new Exposition()
      .counter("istio_requests_total", "Requests.", [{ labels: { reporter: "destination", weird: 'a"b\\c\nd' }, value: 7 }])
      .gauge("isthmus_snapshot_version", "Version.", [{ labels: {}, value: 3 }])
      .histogram("istio_request_duration_milliseconds", "Duration\nin ms.", [{ labels: {}, histogram: h }])
      .histogram("istio_response_bytes", "Sizes.", [
        { labels: { destination_version: "v1" }, histogram: h },
        { labels: { destination_version: "v2" }, histogram: emptyHistogram() },
      ])
      .text();
    const families = parsePrometheusTextFormat(text) as any[];
    const counter = families.find((f) => f.name === "istio_requests_total");
    expect(counter.type).toBe("COUNTER");
    expect(counter.metrics[0]).toEqual({ value: "7", labels: { reporter: "destination", weird: 'a"b\\c\nd' } });
    expect(families.find((f) => f.name === "isthmus_snapshot_version").metrics[0].value).toBe("3");
    const hist = families.find((f) => f.name === "istio_request_duration_milliseconds");
    expect(hist.type).toBe("HISTOGRAM");
    expect(hist.help).toBe("Duration\nin ms.");
    const m = hist.metrics[0];
    expect(Object.keys(m.buckets)).toHaveLength(ISTIO_BUCKETS.length + 1);
    expect(m.buckets["0.5"]).toBe("1");
    expect(m.buckets["5"]).toBe("3");
    expect(m.buckets["100"]).toBe("4");
    expect(m.buckets["3600000"]).toBe("4");
    expect(m.buckets["+Inf"]).toBe("5");
    expect(m.count).toBe("5");
    expect(Number(m.sum)).toBeCloseTo(5_000_078.3);

    // This parser folds labelled histograms into one sample, so check those lines directly
    // (their syntax was checked by the parse above).
    expect(text).toContain('istio_response_bytes_bucket{destination_version="v1",le="5"} 3\n');
    expect(text).toContain('istio_response_bytes_bucket{destination_version="v1",le="+Inf"} 5\n');
    expect(text).toContain('istio_response_bytes_count{destination_version="v1"} 5\n');
    expect(text).toContain('istio_response_bytes_bucket{destination_version="v2",le="+Inf"} 0\n');
    expect(text).toContain('istio_response_bytes_sum{destination_version="v2"} 0\n');
  });

  it("is refused by the parser when malformed (the check can fail)", () => {
    expect(() => parsePrometheusTextFormat("# TYPE x counter\nx{a=b} 1\n")).toThrow();
  });

  it("escapes backslash, quote and newline in label values", () => {
    expect(escapeLabelValue('x\\y"z\n')).toBe('x\\\\y\\"z\\n');
  });
});
