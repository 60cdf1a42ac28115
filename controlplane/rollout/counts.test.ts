import { describe, expect, it } from "vitest";
import { emptyHistogram, observe } from "../../contracts/telemetry/histogram.ts";
import { difference, sideOf, tallyVersion } from "./counts.ts";

function series(reporter: string, version: string, code: string, requests: number, flags = "-", ms = 10) {
  const duration = emptyHistogram();
  for (let i = 0; i < requests; i++) observe(duration, ms);
  return { labels: { reporter, destination_service_name: "reviews", destination_service_namespace: "default", destination_version: version, response_code: code, response_flags: flags }, requests, duration };
}
const v3 = { service: "reviews", namespace: "default", version: "v3" };

describe("tallyVersion", () => {
  it("sums one version per reporter, counting 5xx, ejections (UH) and exceptions (UF)", () => {
    const tallies = tallyVersion([series("source", "v3", "200", 90), series("source", "v3", "503", 4, "UH"), series("source", "v3", "503", 6, "UF,URX"), series("destination", "v3", "200", 90), series("source", "v1", "500", 50)], v3);
    expect(tallies.source).toMatchObject({ requests: 100, errors: 10, ejections: 4, exceptions: 6 });
    expect(tallies.destination).toMatchObject({ requests: 90, errors: 0 });
  });
});

describe("difference and sideOf", () => {
  it("gives the window between two reads, the callers' view first", () => {
    const before = tallyVersion([series("source", "v3", "200", 10), series("source", "v3", "500", 1)], v3);
    const after = tallyVersion([series("source", "v3", "200", 30), series("source", "v3", "500", 4), series("destination", "v3", "200", 29)], v3);
    const window = difference(after, before);
    expect(sideOf(window)).toMatchObject({ requests: 23, errors: 3 });
    expect(sideOf(window).histogram!.counts.reduce((a, b) => a + b, 0)).toBe(23);
    expect(sideOf(difference(tallyVersion([series("destination", "v3", "200", 5)], v3), undefined))).toMatchObject({ requests: 5, errors: 0 });
    expect(sideOf({})).toMatchObject({ requests: 0, errors: 0 });
  });
});
