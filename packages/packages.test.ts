// The published packages as a user gets them: `npm pack` both, install the tarballs into
// a Worker project outside the repository, `isthmus inject` it, build it with wrangler
// (dry run) and serve requests through the built bundle, meshed, on workerd.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { parse as parseToml } from "smol-toml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startControlPlane, type ControlPlane } from "../test/harness/control-plane.ts";

const run = promisify(execFile);
const REPO = new URL("..", import.meta.url).pathname;
const release = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")).version as string;
const scratch = mkdtempSync(join(tmpdir(), "isthmus-packages-"));
const project = join(scratch, "greeter");
const packs = join(scratch, "packs");
// Wrangler's telemetry would call out; the machine is offline.
const env = { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "1", NO_COLOR: "1" };
const npm = (args: string[], cwd: string) => run("npm", [...args, "--no-audit", "--no-fund", "--prefer-offline"], { cwd, env, timeout: 120_000 });
const isthmus = (args: string[]) => run(join(project, "node_modules/.bin/isthmus"), args, { cwd: project, env, timeout: 30_000 });
const SNAPSHOTS_KV = "0123456789abcdef0123456789abcdef";
const manifest = () => JSON.parse(readFileSync(join(project, "package.json"), "utf8"));

const FILES: Record<string, string> = {
  "package.json": `${JSON.stringify({ name: "greeter", private: true, type: "module" }, null, 2)}\n`,
  "wrangler.toml": 'name = "greeter"\nmain = "src/index.ts"\ncompatibility_date = "2026-04-26"\n',
  // The service's own code knows nothing of the mesh; types.ts uses the package's API as typed.
  "src/index.ts": "export default {\n  async fetch(request: Request): Promise<Response> {\n    return new Response(`hello from greeter at ${new URL(request.url).pathname}`);\n  },\n};\n",
  "src/types.ts": `import { getPeer, withMesh, type MeshOptions } from "@isthmus/mesh";
import sidecar, { MeshOutbound } from "@isthmus/mesh/sidecar";

const options: MeshOptions = { service: "greeter", namespace: "default", version: "v1" };
export const meshed = withMesh<{ GREETING: string }>(
  { fetch: (request, env) => new Response(\`\${env.GREETING}, \${getPeer(request)?.principal ?? "anonymous"}\`) },
  options,
);
export { sidecar, MeshOutbound };
// @ts-expect-error the options are typed: a service name is a string
withMesh({ fetch: () => new Response("") }, { service: 42 });
`,
  "tsconfig.json": `${JSON.stringify({ compilerOptions: { target: "ES2022", module: "ESNext", moduleResolution: "Bundler", lib: ["ES2023"], types: ["@cloudflare/workers-types"], strict: true, noEmit: true }, include: ["src"] }, null, 2)}\n`,
};

let tarballs: Record<"mesh" | "cli", string>;
let bundleDir: string;
let cp: ControlPlane | undefined;
const log: Record<string, string> = {};

beforeAll(async () => {
  // prepack builds each package from this checkout; the tarball is what npm publish would upload.
  mkdirSync(packs);
  await run("npm", ["pack", "--workspace", "packages/mesh", "--workspace", "packages/cli", "--pack-destination", packs], { cwd: REPO, env, timeout: 120_000 });
  const files = readdirSync(packs);
  tarballs = { mesh: join(packs, `isthmus-mesh-${release}.tgz`), cli: join(packs, `isthmus-cli-${release}.tgz`) };
  expect(files.sort()).toEqual([`isthmus-cli-${release}.tgz`, `isthmus-mesh-${release}.tgz`]);

  for (const [name, text] of Object.entries(FILES)) {
    mkdirSync(join(project, name, ".."), { recursive: true });
    writeFileSync(join(project, name), text);
  }
  // A user installs the CLI, injects, then installs what inject added (here: the mesh's tarball).
  await npm(["install", tarballs.cli, "@cloudflare/workers-types@4.20260426.1"], project);
  // The mesh's one KV namespace for last-known-good snapshots (docs/DEPLOY.md step 3).
  const injected = await isthmus(["inject", ".", "--snapshots-kv", SNAPSHOTS_KV]);
  log.inject = injected.stdout;
  log.injectErr = injected.stderr;
  log.dependencyAfterInject = manifest().dependencies["@isthmus/mesh"];
  await npm(["install", tarballs.mesh], project);
  log.injectAgain = (await isthmus(["inject", ".", "--snapshots-kv", SNAPSHOTS_KV])).stdout;

  bundleDir = join(scratch, "bundle");
  const wrangler = join(REPO, "node_modules/wrangler/bin/wrangler.js");
  await run(process.execPath, [wrangler, "deploy", "--dry-run", "--outdir", bundleDir, "-c", ".isthmus-injected/wrangler.toml"], { cwd: project, env, timeout: 120_000 });
}, 300_000);

afterAll(async () => {
  await cp?.dispose();
  rmSync(scratch, { recursive: true, force: true });
});

describe("the packages, installed from their tarballs", () => {
  it("carry the mesh's version, and the CLI prints it", async () => {
    for (const name of ["mesh", "cli"]) {
      expect(JSON.parse(readFileSync(join(project, "node_modules/@isthmus", name, "package.json"), "utf8")).version).toBe(release);
    }
    expect((await isthmus(["version", "--client"])).stdout).toBe(`isthmus ${release}\n`);
  });

  it("isthmus inject imports withMesh from @isthmus/mesh and adds it to package.json once", () => {
    expect(log.inject).toContain(`added:  @isthmus/mesh@${release} to package.json`);
    expect(log.injectErr).toMatch(/^Next: npm install, then wrangler deploy -c \.isthmus-injected\/wrangler\.toml\n$/);
    expect(log.dependencyAfterInject).toBe(release);
    // npm recorded the tarball; inject run again keeps it and changes nothing.
    expect(manifest().dependencies["@isthmus/mesh"]).toMatch(/^file:.*isthmus-mesh-.*\.tgz$/);
    expect(log.injectAgain).toMatch(/^default\/greeter \(v1, service account greeter\) is up to date/);
    expect(readFileSync(join(project, ".isthmus-injected/entry.ts"), "utf8")).toMatch(/^import \{ withMesh \} from "@isthmus\/mesh";$/m);
    expect(parseToml(readFileSync(join(project, ".isthmus-injected/wrangler.toml"), "utf8")).kv_namespaces).toEqual([{ binding: "ISTHMUS_SNAPSHOTS", id: SNAPSHOTS_KV }]);
  });

  it("type-check a Worker that uses withMesh, getPeer and the sidecar (no skipLibCheck)", async () => {
    const tsc = join(REPO, "node_modules/typescript/bin/tsc");
    const checked = await run(process.execPath, [tsc, "-p", "tsconfig.json"], { cwd: project, env, timeout: 120_000 }).catch((error) => error);
    expect(`${checked.stdout}${checked.stderr ?? ""}`).toBe("");
  });

  it("serve a meshed request from the bundle wrangler built, with a snapshot from the control plane", async () => {
    const config = parseToml(readFileSync(join(project, ".isthmus-injected/wrangler.toml"), "utf8")) as Record<string, any>;
    const control = config.services.find((s: { binding: string }) => s.binding === "ISTHMUS_CONTROL");
    cp = await startControlPlane({
      workers: [
        {
          name: config.name,
          modules: true,
          scriptPath: join(bundleDir, "entry.js"),
          modulesRoot: bundleDir,
          compatibilityDate: config.compatibility_date,
          compatibilityFlags: config.compatibility_flags,
          bindings: { ...config.vars, ISTHMUS_REFRESH_MS: "100", ISTHMUS_TELEMETRY_FLUSH_MS: "1" },
          serviceBindings: { ISTHMUS_CONTROL: { name: control.service, entrypoint: control.entrypoint, props: control.props } },
          kvNamespaces: config.kv_namespaces.map((kv: { binding: string }) => kv.binding),
        },
      ],
    });
    // STRICT by default: the mesh's inbound stack answers a caller without an identity.
    const refused = await cp.worker("greeter", "/hi");
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ error: { code: "unauthenticated" } });

    const applied = await cp.request("/v1/apply", {
      body: "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: greeter, namespace: default}\nspec:\n  selector: {matchLabels: {app: greeter}}\n  mtls: {mode: PERMISSIVE}\n",
    });
    expect(applied.status).toBe(200);
    let answer = await cp.worker("greeter", "/hi");
    for (let i = 0; i < 50 && answer.status === 401; i++) {
      await answer.arrayBuffer();
      await new Promise((r) => setTimeout(r, 100));
      answer = await cp.worker("greeter", "/hi");
    }
    expect(answer.status).toBe(200);
    expect(await answer.text()).toBe("hello from greeter at /hi");
    expect(answer.headers.get("x-isthmus-snapshot")).toMatch(/^\d+$/);

    // The request was counted by the mesh as Istio counts it, and reached the control plane.
    const counted = /^istio_requests_total\{(?=[^}]*destination_workload="greeter[^"]*")(?=[^}]*response_code="200")/m;
    let metrics = "";
    for (let i = 0; i < 50 && !counted.test(metrics); i++) {
      await new Promise((r) => setTimeout(r, 100));
      metrics = await (await cp.request("/metrics")).text();
    }
    expect(metrics).toMatch(counted);
  });
});
