import { describe, expect, it } from "vitest";
import { ISTIO_LABELS, type SeriesFacts } from "../../contracts/telemetry/labels.ts";
import { SeriesTable } from "./series.ts";

const facts = (destination = "reviews"): SeriesFacts => ({
  reporter: "source",
  source: { workload: "istio-ingressgateway", namespace: "istio-system", app: "istio-ingressgateway" },
  destination: { service: `${destination}.default.svc.cluster.local`, serviceName: destination, serviceNamespace: "default" },
  protocol: "http",
});

describe("SeriesTable", () => {
  it("interns a side once and counts its requests by outcome, labels in Istio's order at take", () => {
    const table = new SeriesTable();
    const side = table.side(facts());
    expect(table.side(facts())).toBe(side);
    table.add(side, 200, "-", false, 3, 0, 10);
    table.add(side, 200, "-", false, 30, 0, 10);
    table.add(side, 503, "UH", false, 1, 0, 0);
    table.add(side, 200, "-", true, 1, 0, 0);
    const series = table.take();
    expect(series).toHaveLength(3);
    expect(Object.keys(series[0].labels)).toEqual([...ISTIO_LABELS]);
    expect(series[0]).toMatchObject({ requests: 2, duration: { sum: 33 }, responseBytes: { sum: 20 } });
    expect(series[0].labels).toMatchObject({ response_code: "200", response_flags: "-", connection_security_policy: "none", destination_service_name: "reviews" });
    expect(series[1].labels).toMatchObject({ response_code: "503", response_flags: "UH" });
    expect(series[2].labels.connection_security_policy).toBe("mutual_tls");
    expect(table.take()).toEqual([]);
    table.add(side, 200, "-", false, 1, 0, 0);
    expect(table.take()).toEqual([expect.objectContaining({ requests: 1 })]);
  });

  it("holds at most `limit` series from 5,000 random destinations, counting the requests it dropped", () => {
    const table = new SeriesTable(1000);
    let kept = 0;
    for (let i = 0; i < 5000; i++) if (table.add(table.side(facts(`h${Math.random().toString(36).slice(2)}`)), 404, "NR", false, 1, 0, 0)) kept++;
    expect(kept).toBe(1000);
    expect(table.dropped).toBe(4000);
    expect(table.take()).toHaveLength(1000);
    // past half the limit the table starts over at the flush: new series fit again
    expect(table.add(table.side(facts("reviews")), 200, "-", false, 1, 0, 0)).toBe(true);
  });

  it("keeps counting through a side cached from before a reset (its old ids are void)", () => {
    const table = new SeriesTable(4);
    const cached = table.side(facts("a"));
    for (const d of ["b", "c", "d"]) table.add(table.side(facts(d)), 200, "-", false, 1, 0, 0);
    table.add(cached, 200, "-", false, 1, 0, 0);
    table.take(); // 4 ids > 2: forgotten
    table.add(table.side(facts("e")), 200, "-", false, 1, 0, 0);
    table.add(cached, 500, "-", false, 1, 0, 0);
    table.add(cached, 200, "-", false, 1, 0, 0);
    const series = table.take();
    expect(series.map((s) => `${s.labels.destination_service_name}:${s.labels.response_code}:${s.requests}`)).toEqual(["e:200:1", "a:500:1", "a:200:1"]);
  });
});
