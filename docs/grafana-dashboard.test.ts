// docs/grafana-dashboard.json and docs/prometheus.yml against a real scrape: every panel's
// PromQL names metrics and labels that the control plane's /metrics serves after traffic
// through a mesh on workerd (gateway, two versions of a service, errors, a refused caller,
// a denied request), and every selector matches at least one series.
import { readFileSync } from "node:fs";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import YAML from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { samplesOf } from "../cli/describe/metrics-text.js";
import { ADMIN_TOKEN, startTestMesh, type TestMesh } from "../test/harness/data-plane.ts";

const dashboard = JSON.parse(readFileSync(new URL("./grafana-dashboard.json", import.meta.url), "utf8"));
const prometheus = YAML.parse(readFileSync(new URL("./prometheus.yml", import.meta.url), "utf8"));

interface Selector {
  metric: string;
  matchers: { label: string; op: "=" | "!=" | "=~" | "!~"; value: string }[];
}

// Words PromQL reads as operators or modifiers, never as metric names.
const KEYWORDS = new Set(["by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless", "offset", "inf", "nan"]);

/**
 * The series selectors of a PromQL expression and the labels it groups by. Dashboard
 * variables are their "All" value (.*), as Grafana sends them.
 */
export function parsePromQL(expr: string): { selectors: Selector[]; grouping: string[] } {
  let text = expr.replace(/\$\{?\w+\}?/g, ".*");
  const grouping: string[] = [];
  text = text.replace(/\b(by|without|on|ignoring)\s*\(([^)]*)\)/g, (_, __, labels: string) => {
    grouping.push(...labels.split(",").map((l) => l.trim()).filter(Boolean));
    return " ";
  });
  text = text.replace(/\[[^\]]*\]/g, " ");
  const selectors: Selector[] = [];
  const token = /([a-zA-Z_:][a-zA-Z0-9_:]*)?\s*\{([^}]*)\}|([a-zA-Z_:][a-zA-Z0-9_:]*)|"(?:[^"\\]|\\.)*"|\d+(?:\.\d+)?(?:e[+-]?\d+)?/g;
  for (const m of text.matchAll(token)) {
    const name = m[1] ?? m[3];
    if (!name) continue;
    const after = text.slice(m.index! + m[0].length).trimStart();
    if (m[3] !== undefined && (after.startsWith("(") || KEYWORDS.has(name.toLowerCase()))) continue;
    const matchers = [...(m[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"/g)].map(([, label, op, value]) => ({ label, op: op as Selector["matchers"][number]["op"], value }));
    selectors.push({ metric: name, matchers });
  }
  return { selectors, grouping };
}

/** Every PromQL expression of the dashboard: panel targets and query variables. */
function dashboardQueries(): { where: string; expr: string; labelValues?: string }[] {
  const targets = dashboard.panels
    .filter((p: any) => p.type !== "row")
    .flatMap((p: any) => p.targets.map((t: any) => ({ where: `${p.title} / ${t.refId}`, expr: t.expr })));
  const variables = dashboard.templating.list
    .filter((v: any) => v.type === "query")
    .map((v: any) => {
      const [, inner, label] = /^label_values\((.*),\s*(\w+)\)$/.exec(v.query.query)!;
      return { where: `variable ${v.name}`, expr: inner, labelValues: label };
    });
  return [...targets, ...variables];
}

type Family = { name: string; type: string };

/**
 * Problems of one query against a scrape: unknown metrics or labels, selectors that match
 * nothing. Families and types come from the Prometheus parser; series from the text itself,
 * since that parser folds a labelled histogram's series into one.
 */
function problems(query: { where: string; expr: string; labelValues?: string }, scraped: string): string[] {
  const families = parsePrometheusTextFormat(scraped) as Family[];
  const { selectors, grouping } = parsePromQL(query.expr);
  const found: string[] = [];
  if (selectors.length === 0) found.push(`${query.where}: no metric in ${query.expr}`);
  for (const s of selectors) {
    const histogram = /_(bucket|sum|count)$/.exec(s.metric);
    const family = families.find((f) => f.name === s.metric) ?? (histogram ? families.find((f) => f.type === "HISTOGRAM" && f.name === s.metric.slice(0, histogram.index)) : undefined);
    if (!family) {
      found.push(`${query.where}: no metric ${s.metric} in /metrics`);
      continue;
    }
    const series = samplesOf(scraped, s.metric).map((sample) => sample.labels);
    const known = new Set(series.flatMap((l) => Object.keys(l)));
    for (const label of [...s.matchers.map((m) => m.label), ...grouping, ...(query.labelValues ? [query.labelValues] : [])]) {
      if (!known.has(label)) found.push(`${query.where}: ${s.metric} has no label ${label}`);
    }
    const matches = (labels: Record<string, string>) =>
      s.matchers.every(({ label, op, value }) => {
        const v = labels[label] ?? "";
        const full = new RegExp(`^(?:${value})$`);
        return op === "=" ? v === value : op === "!=" ? v !== value : op === "=~" ? full.test(v) : !full.test(v);
      });
    if (!series.some(matches)) found.push(`${query.where}: ${s.metric}{${s.matchers.map((m) => `${m.label}${m.op}"${m.value}"`).join(",")}} matches no series`);
  }
  return found;
}

let mesh: TestMesh;
let scrape = "";

beforeAll(async () => {
  mesh = await startTestMesh({
    echoes: [
      { name: "reviews-v1", service: "reviews", version: "v1" },
      { name: "reviews-v2", service: "reviews", version: "v2" },
    ],
    refreshMs: 100,
  });
  await mesh.apply(`apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: shop-gateway }
spec:
  selector: { istio: ingressgateway }
  servers:
  - port: { number: 8080, name: http, protocol: HTTP }
    hosts: ["*"]
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: reviews }
spec:
  hosts: [reviews]
  location: MESH_INTERNAL
  resolution: STATIC
  endpoints:
  - { address: worker://reviews-v1, labels: { app: reviews, version: v1 } }
  - { address: worker://reviews-v2, labels: { app: reviews, version: v2 } }
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: reviews }
spec:
  host: reviews
  subsets: [{ name: v1, labels: { version: v1 } }, { name: v2, labels: { version: v2 } }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews }
spec:
  hosts: ["*"]
  gateways: [shop-gateway]
  http:
  - route:
    - { destination: { host: reviews, subset: v1 }, weight: 50 }
    - { destination: { host: reviews, subset: v2 }, weight: 50 }
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: no-admin }
spec:
  selector: { matchLabels: { app: reviews } }
  action: DENY
  rules: [{ to: [{ operation: { paths: ["/admin"] } }] }]
`);
  await mesh.settle(await mesh.snapshotVersion());

  const traffic = async () => {
    const statuses: number[] = [];
    for (const path of ["/", "/a", "/b", "/c", "/status/503", "/admin"]) {
      const response = await mesh.gateway(path);
      await response.arrayBuffer();
      statuses.push(response.status);
    }
    // Straight to a STRICT service with no identity: refused by authentication.
    const refused = await mesh.worker("reviews-v1", "/");
    await refused.arrayBuffer();
    statuses.push(refused.status);
    return statuses;
  };
  expect(await traffic()).toEqual([200, 200, 200, 200, 503, 403, 401]);
  // Isolates flush what they counted with a request that comes after the flush interval (5 s).
  const until = Date.now() + 40_000;
  const wanted = [/^istio_requests_total\{reporter="source",source_workload="istio-ingressgateway"/m, /^istio_requests_total\{reporter="destination"[^}]*response_code="503"/m, /^isthmus_authn_failures_total\{/m, /^isthmus_authz_denials_total\{/m, /^isthmus_dataplane_snapshot_version\{/m];
  while (Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    await traffic();
    const response = await mesh.control(prometheus.scrape_configs[0].metrics_path);
    scrape = await response.text();
    if (wanted.every((w) => w.test(scrape))) break;
  }
}, 120_000);

afterAll(async () => {
  await mesh?.dispose();
});

describe("the PromQL check", () => {
  it("reads selectors, matchers and grouping labels", () => {
    expect(parsePromQL('histogram_quantile(0.99, sum by (le, destination_version) (rate(istio_request_duration_milliseconds_bucket{reporter="destination", destination_service=~"$service"}[1m])))')).toEqual({
      selectors: [{ metric: "istio_request_duration_milliseconds_bucket", matchers: [{ label: "reporter", op: "=", value: "destination" }, { label: "destination_service", op: "=~", value: ".*" }] }],
      grouping: ["le", "destination_version"],
    });
    expect(parsePromQL("max(isthmus_snapshot_version) / min by (workload) (isthmus_dataplane_snapshot_version)").selectors.map((s) => s.metric)).toEqual(["isthmus_snapshot_version", "isthmus_dataplane_snapshot_version"]);
  });

  it("finds what a scrape lacks (so it can fail)", () => {
    expect(problems({ where: "x", expr: 'sum(rate(istio_requests_total{reporter="destination", destination_service=~"$service"}[1m]))' }, scrape)).toEqual([]);
    expect(problems({ where: "x", expr: "rate(istio_requests_totl[1m])" }, scrape)).toEqual(["x: no metric istio_requests_totl in /metrics"]);
    expect(problems({ where: "x", expr: "sum by (destination_cluster) (rate(istio_requests_total[1m]))" }, scrape)).toEqual(["x: istio_requests_total has no label destination_cluster"]);
    expect(problems({ where: "x", expr: 'istio_requests_total{response_code="418"}' }, scrape)).toEqual(['x: istio_requests_total{response_code="418"} matches no series']);
    expect(problems({ where: "x", expr: 'istio_request_duration_milliseconds_bucket{destination_version="v9"}' }, scrape)).toEqual(['x: istio_request_duration_milliseconds_bucket{destination_version="v9"} matches no series']);
  });
});

describe("docs/grafana-dashboard.json", () => {
  it("is a Grafana dashboard with Istio's service panels and the mesh's own", () => {
    const titles = dashboard.panels.map((p: any) => p.title);
    expect(titles).toEqual(expect.arrayContaining(["Request rate by service and version", "Success rate by service and version (non-5xx)", "P50 request duration by service and version", "P95 request duration by service and version", "P99 request duration by service and version", "Snapshot each workload routes by"]));
    const ids = dashboard.panels.map((p: any) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of dashboard.panels.filter((x: any) => x.type !== "row")) expect(p.datasource.uid, p.title).toBe("${datasource}");
  });

  it("asks only for metrics and labels the control plane's /metrics serves, each selector matching a series", () => {
    const queries = dashboardQueries();
    expect(queries.length).toBeGreaterThan(20);
    expect(queries.flatMap((q) => problems(q, scrape))).toEqual([]);
  });
});

describe("docs/prometheus.yml", () => {
  it("scrapes /metrics with a bearer token from a file, as the control plane requires", async () => {
    for (const job of prometheus.scrape_configs) {
      expect(job.metrics_path).toBe("/metrics");
      expect(job.authorization).toMatchObject({ type: "Bearer", credentials_file: expect.any(String) });
    }
    // Without the token, /metrics is refused: the scrape config's authorization is needed.
    const anonymous = await mesh.worker("isthmus-control", "/metrics");
    expect(anonymous.status).toBe(401);
    const scraped = await mesh.control("/metrics", { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(scraped.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  });
});
