// The CLI as a child process against a real control plane (workerd via Miniflare).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import YAML from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { opensslCsr, pemBlocks, scratchDir } from "../test/support/openssl.ts";
import { startControlPlane, TEST_ADMIN_TOKEN, type ControlPlane } from "../test/harness/control-plane.ts";
import { cleanEnv, runCli } from "./run-cli.ts";

let cp: ControlPlane;
let url: string;
let env: Record<string, string>;
const dir = mkdtempSync(join(tmpdir(), "isthmus-cli-"));
const cli = (...args: string[]) => runCli(args, { env });
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

beforeAll(async () => {
  cp = await startControlPlane();
  // Miniflare's entry socket serves the first Worker: the control plane.
  url = (await cp.mf.ready).origin;
  env = cleanEnv({ ISTHMUS_SERVER: url, ISTHMUS_TOKEN: TEST_ADMIN_TOKEN });
});
afterAll(async () => {
  await cp?.dispose();
});

const CANARY = (v1: number, v2: number) => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
spec:
  hosts:
  - reviews
  http:
  - route:
    - destination:
        host: reviews
        subset: v1
      weight: ${v1}
    - destination:
        host: reviews
        subset: v2
      weight: ${v2}
`;

describe("apply", () => {
  it("creates from a directory, then reports unchanged and configured like kubectl", async () => {
    const first = await cli("apply", "-f", "demo/bookinfo/config");
    expect(first.code).toBe(0);
    expect(first.stdout).toContain("virtualservice.networking.istio.io/reviews created\n");
    expect(first.stdout).toContain("gateway.networking.istio.io/bookinfo-gateway created\n");
    expect(first.stdout).toContain("destinationrule.networking.istio.io/reviews created\n");

    const again = await cli("apply", "-f", "demo/bookinfo/config");
    expect(again.code).toBe(0);
    expect(again.stdout).not.toMatch(/created|configured/);
    expect(again.stdout).toContain("virtualservice.networking.istio.io/reviews unchanged\n");

    const stdin = await runCli(["apply", "-f", "-"], { env, input: CANARY(90, 10) });
    expect(stdin).toMatchObject({ code: 0, stdout: "virtualservice.networking.istio.io/reviews configured\n" });
  });

  it("maps a server field path to the file, document and line, stores nothing, exits 5", async () => {
    const bad = file("bad.yaml", `apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata:\n  name: g2\nspec:\n  selector:\n    istio: ingressgateway\n  servers:\n  - port: {number: 80, name: http, protocol: HTTP}\n    hosts: ["*"]\n---\n${CANARY(70, 130)}`);
    const run = await cli("apply", "-f", bad);
    expect(run.code).toBe(5);
    // weight: 130 is line 28 of the file: 10 lines of the Gateway, ---, then line 17 of the canary.
    expect(run.stderr).toMatch(new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:28: document 2 \\(VirtualService reviews\\): spec\\.http\\[0\\]\\.route\\[1\\]\\.weight: `));
    const gateways = await cli("get", "gw", "-o", "json");
    expect(JSON.parse(gateways.stdout).items.map((g: { metadata: { name: string } }) => g.metadata.name)).toEqual(["bookinfo-gateway"]);
  });

  it("refuses malformed YAML with its line before contacting the server", async () => {
    const run = await runCli(["apply", "-f", file("broken.yaml", "kind: VirtualService\nmetadata:\n  name: [x\n")], { env: cleanEnv({ ISTHMUS_SERVER: "http://127.0.0.1:9" }) });
    expect(run.code).toBe(5);
    expect(run.stderr).toMatch(/broken\.yaml:\d+:\d+: document 1 is not valid YAML or JSON/);
  });

  it("--dry-run validates and reports without storing", async () => {
    const run = await cli("apply", "--dry-run", "-f", file("dry.yaml", CANARY(50, 50)));
    expect(run).toMatchObject({ code: 0, stdout: "virtualservice.networking.istio.io/reviews configured (server dry run)\n" });
    const vs = YAML.parse((await cli("get", "vs", "reviews", "-o", "yaml")).stdout);
    expect(vs.spec.http[0].route.map((r: { weight: number }) => r.weight)).toEqual([90, 10]);
  });

  it("exits 6 on a stale resourceVersion", async () => {
    const stale = CANARY(80, 20).replace("  name: reviews\n", '  name: reviews\n  resourceVersion: "1"\n');
    const run = await runCli(["apply", "-f", "-"], { env, input: stale });
    expect(run.code).toBe(6);
    expect(run.stderr).toMatch(/^error: /);
  });
});

describe("get", () => {
  it("prints tables, wide tables, all namespaces, YAML and JSON", async () => {
    const table = await cli("get", "virtualservices");
    expect(table.code).toBe(0);
    expect(table.stdout.split("\n")[0]).toMatch(/^NAME\s+GATEWAYS\s+HOSTS\s+AGE$/);
    expect(table.stdout).toMatch(/\nreviews\s+\["reviews"\]\s+\d+s\n/);

    const wide = await cli("get", "vs", "reviews", "-o", "wide");
    expect(wide.stdout).toContain("reviews:v1=90,reviews:v2=10");

    const all = await cli("get", "dr", "-A");
    expect(all.stdout.split("\n")[0]).toMatch(/^NAMESPACE\s+NAME\s+HOST\s+AGE$/);
    expect(all.stdout).toMatch(/\ndefault\s+reviews\s+reviews\s+/);

    const one = YAML.parse((await cli("get", "vs", "reviews", "-o", "yaml")).stdout);
    expect(one).toMatchObject({ kind: "VirtualService", metadata: { name: "reviews", namespace: "default" } });
    const list = JSON.parse((await cli("get", "se", "-o", "json")).stdout);
    expect(list.items.map((i: { metadata: { name: string } }) => i.metadata.name).sort()).toEqual(["details", "productpage", "ratings", "reviews"]);
  });

  it("says so when nothing matches, and exits 1 for a missing name", async () => {
    const none = await cli("get", "pa", "-n", "elsewhere");
    expect(none).toMatchObject({ code: 0, stdout: "", stderr: "No resources found in elsewhere namespace.\n" });
    const missing = await cli("get", "vs", "nope");
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/nope/);
  });
});

describe("diff", () => {
  it("exits 0 without differences and 1 with a unified diff", async () => {
    const same = await cli("diff", "-f", file("same.yaml", CANARY(90, 10)));
    expect(same).toMatchObject({ code: 0, stdout: "" });
    const changed = await cli("diff", "-f", file("changed.yaml", CANARY(75, 25)));
    expect(changed.code).toBe(1);
    expect(changed.stdout).toContain("--- live/virtualservice.networking.istio.io/default/reviews\n");
    expect(changed.stdout).toMatch(/\n-\s+weight: 90\n/);
    expect(changed.stdout).toMatch(/\n\+\s+weight: 75\n/);
  });
});

describe("split", () => {
  it("rewrites the catch-all route, fractional weights included, and sets stickiness", async () => {
    const run = await cli("split", "reviews", "v1=99.5", "v3=0.5", "--sticky-header", "end-user");
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("virtualservice.networking.istio.io/reviews configured: reviews v1=99.5 v3=0.5\n");
    expect(run.stdout).toContain("destinationrule.networking.istio.io/reviews configured: sticky by header end-user\n");
    const vs = YAML.parse((await cli("get", "vs", "reviews", "-o", "yaml")).stdout);
    expect(vs.spec.http.at(-1).route).toEqual([
      { destination: { host: "reviews", subset: "v1" }, weight: 99.5 },
      { destination: { host: "reviews", subset: "v3" }, weight: 0.5 },
    ]);
    const dr = YAML.parse((await cli("get", "dr", "reviews", "-o", "yaml")).stdout);
    expect(dr.spec.trafficPolicy.loadBalancer).toEqual({ consistentHash: { httpHeaderName: "end-user" } });
  });

  it("creates the VirtualService when the service has none", async () => {
    const run = await cli("split", "ratings", "v1=100", "-n", "other");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("virtualservice.networking.istio.io/ratings created");
    expect(run.stderr).toMatch(/no DestinationRule for ratings defines subset v1/);
  });
});

describe("history, rollback, delete, analyze", () => {
  it("lists revisions, shows a revision's diff, rolls back", async () => {
    const history = await cli("history");
    expect(history.code).toBe(0);
    expect(history.stdout.split("\n")[0]).toMatch(/^REVISION\s+AGE\s+ACTOR\s+OPERATION\s+CHANGES$/);
    expect(history.stdout).toMatch(/\n2\s+\d+s\s+admin\s+apply\s+VirtualService default\/reviews configured\n/);
    const diff = await cli("history", "2", "--diff");
    expect(diff.stdout).toMatch(/\n\+\s+weight: 90\n/);

    const rollback = await cli("rollback", "1");
    expect(rollback.code).toBe(0);
    expect(rollback.stdout).toMatch(/^rolled back to revision 1: now revision \d+/);
    const vs = YAML.parse((await cli("get", "vs", "reviews", "-o", "yaml")).stdout);
    expect(vs.spec.http[0].route).toEqual([{ destination: { host: "reviews", subset: "v1" } }]);
  });

  it("deletes by name and by file; a second delete exits 1 unless --ignore-not-found", async () => {
    // The rollback above removed what came after revision 1; make one to delete.
    expect((await cli("split", "ratings", "v1=100", "-n", "other")).code).toBe(0);
    expect(await cli("delete", "vs", "ratings", "-n", "other")).toMatchObject({ code: 0, stdout: 'virtualservice.networking.istio.io "ratings" deleted\n' });
    expect((await cli("delete", "vs", "ratings", "-n", "other")).code).toBe(1);
    expect((await cli("delete", "vs", "ratings", "-n", "other", "--ignore-not-found")).code).toBe(0);
    const byFile = await cli("delete", "-f", "examples/reviews-canary-90-10.yaml");
    expect(byFile).toMatchObject({ code: 0, stdout: 'virtualservice.networking.istio.io "reviews" deleted\n' });
  });

  it("analyze exits 1 on error findings", async () => {
    const orphan = `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: orphan\nspec:\n  hosts: [reviews]\n  http:\n  - route:\n    - destination: {host: reviews, subset: v9}\n`;
    expect((await runCli(["apply", "-f", "-"], { env, input: orphan })).code).toBe(0);
    const run = await cli("analyze");
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^Error \[[A-Za-z0-9_]+\] \(VirtualService default\/orphan\) /m);
    expect((await cli("delete", "vs", "orphan")).code).toBe(0);
  });
});

describe("identities and certificates", () => {
  it("creates, lists and revokes identities; prints the trust bundle", async () => {
    const created = await cli("identity", "create", "default", "hello", "-o", "json");
    expect(created.code).toBe(0);
    const identity = JSON.parse(created.stdout);
    expect(identity.spiffeId).toBe("spiffe://cluster.local/ns/default/sa/hello");
    expect(identity.joinToken).toEqual(expect.any(String));
    expect((await cli("identity", "list")).stdout).toContain("spiffe://cluster.local/ns/default/sa/hello");
    const bundle = JSON.parse((await runCli(["trust-bundle"], { env: cleanEnv({ ISTHMUS_SERVER: url }) })).stdout);
    expect(bundle.keys.length).toBeGreaterThan(0);
    expect((await cli("identity", "revoke", "default", "hello")).code).toBe(0);
  });
});

describe("cert sign", () => {
  it("gets an X.509-SVID for a CSR with the join token, from a flag or the environment", async () => {
    const { joinToken } = JSON.parse((await cli("identity", "create", "default", "edge-proxy", "-o", "json")).stdout);
    const scratch = scratchDir();
    const csr = file("edge.csr", opensslCsr(scratch, "edge", { san: "URI:spiffe://cluster.local/ns/default/sa/edge-proxy" }).csrPem);
    const signed = await cli("cert", "sign", "--csr", csr, "--token", joinToken);
    expect(signed.code, signed.stderr).toBe(0);
    const [leaf] = pemBlocks(signed.stdout);
    expect(leaf).toMatch(/^-----BEGIN CERTIFICATE-----/);
    const leafFile = file("leaf.pem", leaf);
    expect(execFileSync("openssl", ["x509", "-in", leafFile, "-noout", "-ext", "subjectAltName"], { encoding: "utf8" })).toContain("URI:spiffe://cluster.local/ns/default/sa/edge-proxy");

    const viaEnv = await runCli(["cert", "sign", "--csr", csr, "--out", join(dir, "chain.pem")], { env: { ...env, ISTHMUS_JOIN_TOKEN: joinToken } });
    expect(viaEnv.code, viaEnv.stderr).toBe(0);
    expect(readFileSync(join(dir, "chain.pem"), "utf8")).toMatch(/^-----BEGIN CERTIFICATE-----/);

    const refused = await cli("cert", "sign", "--csr", csr, "--token", "not-a-join-token");
    expect(refused.code).toBe(4);
    expect((await cli("cert", "sign", "--csr", csr)).code).toBe(2);
  });
});

describe("exit codes for the server's answers", () => {
  it("4 for a refused token, 3 for an unreachable server", async () => {
    const refused = await runCli(["get", "vs"], { env: cleanEnv({ ISTHMUS_SERVER: url, ISTHMUS_TOKEN: "wrong" }) });
    expect(refused.code).toBe(4);
    const port = await closedPort();
    const unreachable = await runCli(["get", "vs", "--server", `http://127.0.0.1:${port}`]);
    expect(unreachable.code).toBe(3);
    expect(unreachable.stderr).toMatch(/cannot reach the control plane at http:\/\/127\.0\.0\.1:\d+/);
  });
});

describe("version", () => {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));

  it("shows the CLI's and the control plane's versions (GET /v1/version)", async () => {
    const run = await cli("version");
    expect(run).toMatchObject({ code: 0, stdout: `Client Version: ${pkg.version}\nServer Version: ${pkg.version} (${url})\n`, stderr: "" });
    const json = JSON.parse((await cli("version", "-o", "json")).stdout);
    expect(json).toEqual({ clientVersion: pkg.version, serverVersion: pkg.version, server: url });
    const openapi = await (await fetch(`${url}/openapi.json`)).json<{ info: { version: string }; paths: Record<string, Record<string, { responses: Record<string, unknown> }>> }>();
    expect(openapi.info.version).toBe(pkg.version);
    expect(openapi.paths["/v1/version"].get.responses["200"]).toBeDefined();
  });

  it("still prints the client's version when the server refuses or cannot be reached", async () => {
    const refused = await runCli(["version"], { env: cleanEnv({ ISTHMUS_SERVER: url, ISTHMUS_TOKEN: "wrong" }) });
    expect(refused).toMatchObject({ code: 4, stdout: `Client Version: ${pkg.version}\n` });
    const unreachable = await runCli(["version", "--server", `http://127.0.0.1:${await closedPort()}`]);
    expect(unreachable).toMatchObject({ code: 3, stdout: `Client Version: ${pkg.version}\n` });
    expect(unreachable.stderr).toMatch(/cannot reach the control plane/);
  });
});

/** A port nothing listens on: bind one, then close it. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
