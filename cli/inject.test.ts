// `isthmus inject` on a plain Hono service that was never written for the mesh: the
// generated files, idempotence, refusals, and the meshed Worker serving on workerd.
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse as parseToml } from "smol-toml";
import { afterAll, describe, expect, it } from "vitest";
import { workerFromConfig } from "../local/worker-options.mjs";
import { startControlPlane, TEST_ADMIN_TOKEN, type ControlPlane } from "../test/harness/control-plane.ts";
import { stripJsonComments } from "./inject/wrangler-config.js";
import { cleanEnv, REPO, runCli } from "./run-cli.ts";

const VERSION = JSON.parse(readFileSync(join(REPO, "packages/mesh/package.json"), "utf8")).version as string;

const FIXTURE = "test/fixtures/plain-hono-service";
// Built here from this checkout's data plane; a user's project gets @isthmus/mesh (packages/packages.test.ts).
const SIDECAR = ["--sidecar-import", join(REPO, "workers/sidecar/with-mesh.ts")];
// The mesh's ISTHMUS_SNAPSHOTS namespace, as npx wrangler kv namespace create prints one.
const SNAPSHOTS_KV = ["--snapshots-kv", "0f2ac74b498b48028cb68387c421e279"];
const tmp = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));
const out = tmp("isthmus-injected-");

function project(files: Record<string, string>) {
  const dir = tmp("isthmus-project-");
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}
const snapshotOf = (dir: string) => Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f), "utf8")]));
const mtimesOf = (dir: string) => Object.fromEntries(readdirSync(dir).map((f) => [f, statSync(join(dir, f)).mtimeMs]));
const SHOP = {
  "wrangler.toml": 'name = "shop"\nmain = "src/worker.js"\ncompatibility_date = "2026-04-26"\n',
  "src/worker.js": "export default { fetch() { return new Response('shop') } };\n",
};

describe("isthmus inject", () => {
  it("writes a meshed entry and a wrangler config with the mesh's bindings, leaving the service alone", async () => {
    const before = readFileSync(join(REPO, FIXTURE, "src/index.ts"), "utf8");
    const run = await runCli(["inject", FIXTURE, "--out", out, "--service-version", "v2", ...SNAPSHOTS_KV, ...SIDECAR]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^injected default\/hello \(v2, service account hello\):\n/);
    expect(run.stderr).toMatch(/^Next: wrangler deploy -c .*wrangler\.toml\n$/);
    expect(readFileSync(join(REPO, FIXTURE, "src/index.ts"), "utf8")).toBe(before);

    const entry = readFileSync(join(out, "entry.ts"), "utf8");
    expect(entry).toMatch(/^import handler from "[^"]*test\/fixtures\/plain-hono-service\/src\/index\.ts";$/m);
    expect(entry).toMatch(/^import \{ withMesh \} from "[^"]*workers\/sidecar\/with-mesh\.ts";$/m);
    expect(entry).toMatch(/^export \* from "[^"]*plain-hono-service\/src\/index\.ts";$/m);
    expect(entry).toContain('service: vars(env).ISTHMUS_SERVICE ?? "hello"');
    expect(entry).toContain('serviceAccount: vars(env).ISTHMUS_SERVICE_ACCOUNT ?? "hello"');

    const text = readFileSync(join(out, "wrangler.toml"), "utf8");
    expect(text).toMatch(/^# The workload identity spiffe:\/\/<trust domain>\/ns\/default\/sa\/hello comes from ISTHMUS_CONTROL's props/m);
    const config = parseToml(text) as Record<string, any>;
    expect(config).toMatchObject({
      name: "hello",
      main: "entry.ts",
      compatibility_date: "2026-04-26",
      compatibility_flags: ["nodejs_als"],
      workers_dev: false,
      preview_urls: false,
      vars: { GREETING: "hello", ISTHMUS_SERVICE: "hello", ISTHMUS_NAMESPACE: "default", ISTHMUS_SERVICE_ACCOUNT: "hello", ISTHMUS_VERSION: "v2" },
      durable_objects: { bindings: [{ name: "VISITS", class_name: "Visits" }] },
      services: [{ binding: "ISTHMUS_CONTROL", service: "isthmus-control", entrypoint: "MeshPeer", props: { namespace: "default", serviceAccount: "hello" } }],
      kv_namespaces: [{ binding: "ISTHMUS_SNAPSHOTS", id: "0f2ac74b498b48028cb68387c421e279" }],
    });
  });

  it("binds the mesh's snapshots namespace per environment with --snapshots-kv, says where none is given, and refuses a bad id", async () => {
    const dir = project({ ...SHOP, "wrangler.toml": `${SHOP["wrangler.toml"]}[env.staging]\nvars = { MODE = "staging" }\n` });
    const bare = await runCli(["inject", dir, "--dry-run"]);
    expect(bare.code, bare.stderr).toBe(0);
    expect(bare.stderr).toMatch(/^note: ISTHMUS_SNAPSHOTS has no KV namespace id \(top level, env\.staging\): deployed so, wrangler would give this Worker a namespace of its own/);

    const partly = await runCli(["inject", dir, ...SNAPSHOTS_KV]);
    expect(partly.code, partly.stderr).toBe(0);
    expect(partly.stderr).toMatch(/^note: ISTHMUS_SNAPSHOTS has no KV namespace id \(env\.staging\)/m);
    expect(partly.stderr).toMatch(/^Next: isthmus inject .* again with --snapshots-kv \[ENV=\]ID \(npx wrangler kv namespace create isthmus-snapshots prints it\), then wrangler deploy -c /m);

    const staging = "5e3b7f1c9d2a4b6e8f0a1c3e5b7d9f2a";
    const both = await runCli(["inject", dir, ...SNAPSHOTS_KV, "--snapshots-kv", `staging=${staging}`]);
    expect(both.code, both.stderr).toBe(0);
    expect(both.stderr).not.toContain("ISTHMUS_SNAPSHOTS has no");
    const config = parseToml(readFileSync(join(dir, ".isthmus-injected", "wrangler.toml"), "utf8")) as Record<string, any>;
    expect(config.kv_namespaces).toEqual([{ binding: "ISTHMUS_SNAPSHOTS", id: SNAPSHOTS_KV[1] }]);
    expect(config.env.staging.kv_namespaces).toEqual([{ binding: "ISTHMUS_SNAPSHOTS", id: staging }]);

    for (const [value, message] of [
      ["isthmus-snapshots", /--snapshots-kv "isthmus-snapshots": a KV namespace id is 32 hex digits/],
      [`prod=${staging}`, /--snapshots-kv "prod=5e3b.*": the config has no environment "prod" \(it has staging\)/],
    ] as const) {
      const refused = await runCli(["inject", dir, "--snapshots-kv", value]);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(message);
    }
  });

  it("names in its output only what the meshed Worker reads: every ISTHMUS_ var is read by the entry, no secret", () => {
    const entry = readFileSync(join(out, "entry.ts"), "utf8");
    const text = readFileSync(join(out, "wrangler.toml"), "utf8");
    const config = parseToml(text) as Record<string, any>;
    const meshVars = Object.keys(config.vars).filter((name) => name.startsWith("ISTHMUS_"));
    expect(meshVars.length).toBe(4);
    for (const name of meshVars) expect(entry, name).toContain(`vars(env).${name} ??`);
    expect(config.secrets).toBeUndefined();
    expect(text).not.toMatch(/JOIN_TOKEN|secret put/);
  });

  it("changes nothing when run again (not even the files' times), and leaves an injected project as it is", async () => {
    const first = snapshotOf(out);
    const times = mtimesOf(out);
    const twice = await runCli(["inject", FIXTURE, "--out", out, "--service-version", "v2", ...SNAPSHOTS_KV, ...SIDECAR]);
    expect(twice.code, twice.stderr).toBe(0);
    expect(twice.stdout).toMatch(/^default\/hello \(v2, service account hello\) is up to date: .* unchanged\n$/);
    expect(snapshotOf(out)).toEqual(first);
    expect(mtimesOf(out)).toEqual(times);

    // The output is itself a Worker project whose entry is generated: nothing to do.
    const again = await runCli(["inject", out]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/already a meshed entry \(default\/hello\); nothing to do/);
    expect(snapshotOf(out)).toEqual(first);
  });

  it("keeps JSONC projects in JSONC, rebases relative paths and adds bindings to every environment", async () => {
    const dir = project({
      "wrangler.jsonc": `{
        // a comment, and a trailing comma
        "name": "shop",
        "main": "./src/worker.js",
        "compatibility_date": "2026-04-26",
        "assets": { "directory": "./public" },
        "env": { "staging": { "vars": { "MODE": "staging" } } },
      }`,
      "src/worker.js": "export default { fetch() { return new Response('shop') } };\n",
    });
    const run = await runCli(["inject", dir, "-n", "store"]);
    expect(run.code, run.stderr).toBe(0);
    const config = JSON.parse(stripJsonComments(readFileSync(join(dir, ".isthmus-injected", "wrangler.jsonc"), "utf8")));
    expect(config.main).toBe("entry.js");
    expect(config.assets.directory).toBe("../public");
    expect(config.env.staging.vars).toEqual({ MODE: "staging", ISTHMUS_SERVICE: "shop", ISTHMUS_NAMESPACE: "store", ISTHMUS_SERVICE_ACCOUNT: "shop", ISTHMUS_VERSION: "v1" });
    expect(config.env.staging.services).toEqual([{ binding: "ISTHMUS_CONTROL", service: "isthmus-control-staging", entrypoint: "MeshPeer", props: { namespace: "store", serviceAccount: "shop" } }]);
    expect(config.env.staging.kv_namespaces).toEqual([{ binding: "ISTHMUS_SNAPSHOTS" }]);
    expect(config.env.staging).toMatchObject({ workers_dev: false, preview_urls: false });
    expect(config.compatibility_flags).toEqual(["nodejs_als"]);
    expect(readFileSync(join(dir, ".isthmus-injected", "entry.js"), "utf8")).toContain('import handler from "../src/worker.js";');
  });

  it("gives the Worker the identity of --namespace and --service-account: binding props, vars and withMesh options", async () => {
    const dir = project(SHOP);
    const run = await runCli(["inject", dir, "--namespace", "store", "--service-account", "shop-sa"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^injected store\/shop \(v1, service account shop-sa\):\n/);
    const config = parseToml(readFileSync(join(dir, ".isthmus-injected", "wrangler.toml"), "utf8")) as Record<string, any>;
    expect(config.services).toEqual([{ binding: "ISTHMUS_CONTROL", service: "isthmus-control", entrypoint: "MeshPeer", props: { namespace: "store", serviceAccount: "shop-sa" } }]);
    expect(config.vars).toMatchObject({ ISTHMUS_NAMESPACE: "store", ISTHMUS_SERVICE_ACCOUNT: "shop-sa" });
    const entry = readFileSync(join(dir, ".isthmus-injected", "entry.js"), "utf8");
    expect(entry).toContain('namespace: vars(env).ISTHMUS_NAMESPACE ?? "store"');
    expect(entry).toContain('serviceAccount: vars(env).ISTHMUS_SERVICE_ACCOUNT ?? "shop-sa"');
  });

  it("--dry-run prints the diff of what it would write and writes nothing", async () => {
    const dir = project(SHOP);
    const fresh = await runCli(["inject", dir, "--dry-run"]);
    expect(fresh.code, fresh.stderr).toBe(0);
    expect(fresh.stdout).toMatch(/^--- \/dev\/null\n\+\+\+ .*\.isthmus-injected\/entry\.js\n@@ -0,0 \+1,\d+ @@\n/);
    expect(fresh.stdout).toContain("+export default withMesh(handler, (env) => ({\n");
    expect(fresh.stdout).toMatch(/^\+\+\+ .*\.isthmus-injected\/wrangler\.toml$/m);
    expect(fresh.stdout).toContain('+ISTHMUS_SERVICE_ACCOUNT = "shop"\n');
    expect(fresh.stderr).toContain("nothing written");
    expect(readdirSync(dir)).not.toContain(".isthmus-injected");

    // After injecting, a changed option shows as the lines it changes, still writing nothing.
    expect((await runCli(["inject", dir])).code).toBe(0);
    const written = snapshotOf(join(dir, ".isthmus-injected"));
    const change = await runCli(["inject", dir, "--service-version", "v3", "--dry-run"]);
    expect(change.code, change.stderr).toBe(0);
    const changed = change.stdout.split("\n").filter((l) => /^[-+][^-+]/.test(l));
    expect(changed).toEqual([
      '-  version: vars(env).ISTHMUS_VERSION ?? "v1",',
      '+  version: vars(env).ISTHMUS_VERSION ?? "v3",',
      '-ISTHMUS_VERSION = "v1"',
      '+ISTHMUS_VERSION = "v3"',
    ]);
    expect(snapshotOf(join(dir, ".isthmus-injected"))).toEqual(written);
    const same = await runCli(["inject", dir, "--dry-run"]);
    expect(same).toMatchObject({ code: 0, stdout: "" });
    expect(same.stderr).toMatch(/up to date, nothing would change/);
  });

  it("adds @isthmus/mesh to package.json once, as npm writes it, and leaves a dependency that is there", async () => {
    const manifest = '{\n\t"name": "shop",\n\t"dependencies": {\n\t\t"hono": "4.13.19"\n\t}\n}\n';
    const dir = project({ ...SHOP, "package.json": manifest });
    const dry = await runCli(["inject", dir, "--dry-run"]);
    expect(dry.stdout).toMatch(/^\+\+\+ .*package\.json\n@@ /m);
    expect(readFileSync(join(dir, "package.json"), "utf8")).toBe(manifest);

    const run = await runCli(["inject", dir, ...SNAPSHOTS_KV]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`  added:  @isthmus/mesh@${VERSION} to `);
    expect(run.stderr).toMatch(/^Next: npm install, then wrangler deploy -c /);
    expect(readFileSync(join(dir, ".isthmus-injected", "entry.js"), "utf8")).toMatch(/^import \{ withMesh \} from "@isthmus\/mesh";$/m);
    const written = readFileSync(join(dir, "package.json"), "utf8");
    expect(written).toBe(`{\n\t"name": "shop",\n\t"dependencies": {\n\t\t"@isthmus/mesh": "${VERSION}",\n\t\t"hono": "4.13.19"\n\t}\n}\n`);
    expect((await runCli(["inject", dir, ...SNAPSHOTS_KV])).stdout).toMatch(/is up to date/);
    expect(readFileSync(join(dir, "package.json"), "utf8")).toBe(written);

    // Any section, any spec (a tarball, a range): the user's choice stays.
    const dev = project({ ...SHOP, "package.json": '{"devDependencies": {"@isthmus/mesh": "file:../mesh.tgz"}}' });
    expect((await runCli(["inject", dev])).code).toBe(0);
    expect(readFileSync(join(dev, "package.json"), "utf8")).toBe('{"devDependencies": {"@isthmus/mesh": "file:../mesh.tgz"}}');
  });

  it("names the package to install when the project has no package.json, and adds none with --sidecar-import", async () => {
    const bare = project(SHOP);
    const run = await runCli(["inject", bare]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(`has no package.json: install @isthmus/mesh@${VERSION} there\n`);
    expect(readdirSync(bare)).not.toContain("package.json");

    const own = project({ ...SHOP, "package.json": "{}\n" });
    expect((await runCli(["inject", own, "--sidecar-import", "./my-mesh.js"])).code).toBe(0);
    expect(readFileSync(join(own, "package.json"), "utf8")).toBe("{}\n");
    expect(readFileSync(join(own, ".isthmus-injected", "entry.js"), "utf8")).toContain('import { withMesh } from "./my-mesh.js";');
  });

  it("refuses a package.json it cannot parse, naming it, and writes nothing", async () => {
    const dir = project({ ...SHOP, "package.json": '{"name": "shop",' });
    const run = await runCli(["inject", dir]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/package\.json cannot be parsed: /);
    expect(readdirSync(dir)).not.toContain(".isthmus-injected");
  });

  it.each([
    ["an invalid namespace", { ...SHOP, args: ["-n", "Store_1"] }, /namespace "Store_1" is not a DNS label .*give --namespace NS/],
    ["an invalid service account", { ...SHOP, args: ["--service-account", "shop.sa"] }, /service account "shop\.sa" is not a DNS label .*give --service-account SA/],
  ])("refuses %s with exit 2 and writes nothing", async (_, { args, ...files }, message) => {
    const dir = project(files);
    const run = await runCli(["inject", dir, ...args]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(readdirSync(dir)).not.toContain(".isthmus-injected");
  });

  it.each([
    ["no config", {}, /no wrangler\.toml, wrangler\.json or wrangler\.jsonc in /],
    ["no main", { "wrangler.toml": 'name = "x"\ncompatibility_date = "2026-04-26"\n' }, /wrangler\.toml has no "main"/],
    ["a service-worker script", { "wrangler.toml": 'name = "x"\nmain = "w.js"\n', "w.js": "addEventListener('fetch', (e) => e.respondWith(new Response('x')));\n" }, /w\.js is a service-worker script/],
    ["an unparsable config", { "wrangler.toml": 'name = "x"\nmain = = "w.js"\n' }, /wrangler\.toml:2:\d+ cannot be parsed/],
    ["a missing entry", { "wrangler.toml": 'name = "x"\nmain = "src/gone.ts"\n' }, /main "src\/gone\.ts" does not exist/],
    ["no_bundle", { "wrangler.toml": 'name = "x"\nmain = "w.js"\nno_bundle = true\n', "w.js": "export default {};\n" }, /no_bundle is set/],
    ["mesh bindings already there", { "wrangler.toml": 'name = "x"\nmain = "w.js"\n[vars]\nISTHMUS_SERVICE = "x"\n', "w.js": "export default {};\n" }, /already has a binding ISTHMUS_SERVICE/],
    ["a route of its own", { "wrangler.toml": 'name = "x"\nmain = "w.js"\nroutes = [{ pattern = "x.example/*", zone_name = "example" }]\n', "w.js": "export default {};\n" }, /routes makes the Worker reachable around the mesh gateway/],
    ["a route in an environment", { "wrangler.toml": 'name = "x"\nmain = "w.js"\n[env.prod]\nroute = "x.example/*"\n', "w.js": "export default {};\n" }, /env\.prod\.route makes the Worker reachable around the mesh gateway/],
  ])("refuses %s with exit 2 and writes nothing", async (_, files, message) => {
    const dir = project(files as Record<string, string>);
    const run = await runCli(["inject", dir]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(readdirSync(dir)).not.toContain(".isthmus-injected");
  });
});

describe("the injected Hono service on workerd", () => {
  let cp: ControlPlane | undefined;
  afterAll(async () => {
    await cp?.dispose();
  });

  it("serves through withMesh, follows the control plane's snapshots, and keeps its Durable Object", async () => {
    // The injected config, read by wrangler itself, as the local mesh and deploy read configs.
    const buildDir = tmp("isthmus-inject-build-");
    const hello = await workerFromConfig(join(out, "wrangler.toml"), { buildDir });
    hello.options.bindings.ISTHMUS_REFRESH_MS = "100";
    hello.options.modulesRoot = buildDir;
    cp = await startControlPlane({ workers: [hello.options] });
    const controlUrl = (await cp.mf.ready).origin;
    const get = (path: string, init?: RequestInit) => cp!.worker("hello", path, init);

    // STRICT by default: the injected service answers no caller without a mesh identity.
    const refused = await get("/hello/mesh");
    expect(refused.status).toBe(401);
    expect((await refused.json()) as object).toMatchObject({ error: { code: "unauthenticated" } });

    // This test calls from outside the mesh, so it admits plaintext callers, as Istio's PERMISSIVE does.
    const permissive = await cp.request("/v1/apply", {
      body: "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: hello-permissive, namespace: default}\nspec:\n  selector: {matchLabels: {app: hello}}\n  mtls: {mode: PERMISSIVE}\n",
    });
    expect(permissive.status).toBe(200);
    let first = await get("/hello/mesh");
    for (let i = 0; i < 50 && first.status === 401; i++) {
      await first.arrayBuffer();
      await new Promise((r) => setTimeout(r, 100));
      first = await get("/hello/mesh");
    }
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ message: "hello, mesh" });
    const version = Number(first.headers.get("x-isthmus-snapshot"));
    expect(version).toBeGreaterThanOrEqual(0);

    // A change applied with the CLI reaches the injected Worker as a newer snapshot.
    const env = cleanEnv({ ISTHMUS_SERVER: controlUrl, ISTHMUS_TOKEN: TEST_ADMIN_TOKEN });
    const applied = await runCli(["split", "hello", "v2=100"], { env });
    expect(applied.code, applied.stderr).toBe(0);
    let seen = version;
    for (let i = 0; i < 100 && seen <= version; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const res = await get("/hello/again");
      await res.arrayBuffer();
      seen = Number(res.headers.get("x-isthmus-snapshot"));
    }
    expect(seen).toBeGreaterThan(version);

    // The Durable Object class is the original's named export, passed through the entry.
    const counts = [];
    for (let i = 0; i < 2; i++) counts.push(((await (await get("/visits", { method: "POST" })).json()) as { count: number }).count);
    expect(counts).toEqual([1, 2]);
  });
});
