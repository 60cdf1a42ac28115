// Deploys every Worker of the mesh with wrangler, in topology order (control plane,
// services, gateway), or builds them all offline (`--dry-run`) and reports bundle sizes.
import { spawn } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { parse } from "smol-toml";
import { repoRoot } from "./build.mjs";
import { snapshotsNamespaces, unsharedSnapshots } from "./snapshots-namespace.mjs";
import { ALL_CONFIGS, REQUIRED_SECRETS } from "./topology.mjs";

/** The free plan's limit on a Worker's compressed size. */
export const GZIP_LIMIT_BYTES = 3 * 1024 * 1024;

/** Raised when a deploy step cannot go on; `code` says why. */
export class DeployError extends Error {
  /** @param {"missing_environment" | "wrangler_failed" | "bundle_too_large" | "snapshots_namespace_unshared"} code @param {string} message */
  constructor(code, message) {
    super(message);
    this.name = "DeployError";
    this.code = code;
  }
}

/**
 * @typedef {{ config: string, name: string, rawBytes: number, gzipBytes: number }} BundleSize
 * @typedef {{ config: string, name: string, secrets: string[] }} WorkerPlan
 */

/**
 * Read every Worker config in deploy order: its name and the secrets it requires
 * (`[secrets] required`), for `env` when given. Refuses an environment a config lacks,
 * since wrangler would then deploy over the top-level Worker.
 * @param {{ env?: string }} [options]
 * @returns {Promise<WorkerPlan[]>}
 */
export async function planDeploy({ env } = {}) {
  const plan = [];
  for (const config of ALL_CONFIGS) {
    /** @type {Record<string, any>} */
    const raw = parse(await readFile(resolve(repoRoot, config), "utf8"));
    const section = env ? raw.env?.[env] : raw;
    if (!section) throw new DeployError("missing_environment", `${config} has no [env.${env}] section`);
    plan.push({
      config,
      name: section.name ?? (env ? `${raw.name}-${env}` : raw.name),
      secrets: [...new Set([...(REQUIRED_SECRETS[config] ?? []), ...(section.secrets?.required ?? [])])],
    });
  }
  return plan;
}

/**
 * Deploy (or with `dryRun` build into `outDir/<worker>`) every Worker; returns the bundle
 * sizes on a dry run. Stops at the first failure. A real deploy first requires one
 * ISTHMUS_SNAPSHOTS namespace id in every config that binds it.
 * @param {{ dryRun?: boolean, env?: string, outDir?: string, log?: (line: string) => void }} options
 * @returns {Promise<{ plan: WorkerPlan[], sizes: BundleSize[] }>}
 */
export async function deployAll({ dryRun = false, env, outDir = "dist", log = console.log }) {
  const plan = await planDeploy({ env });
  const unshared = unsharedSnapshots(await snapshotsNamespaces({ env }), env);
  if (unshared && !dryRun) throw new DeployError("snapshots_namespace_unshared", unshared);
  const sizes = [];
  for (const worker of plan) {
    const args = ["deploy", "--config", worker.config];
    if (env) args.push("--env", env);
    const out = resolve(repoRoot, outDir, worker.name);
    if (dryRun) args.push("--dry-run", "--outdir", out);
    log(`${dryRun ? "building" : "deploying"} ${worker.name} (${worker.config})`);
    await wrangler(args, { quiet: dryRun });
    if (dryRun) sizes.push({ config: worker.config, name: worker.name, ...(await bundleSize(out)) });
  }
  return { plan, sizes };
}

/** Raw and gzip size of the modules wrangler wrote to `dir` (source maps and notes excluded). @param {string} dir */
export async function bundleSize(dir) {
  let rawBytes = 0;
  const parts = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !/\.(m?js|wasm|bin|txt|html|sql)$/.test(entry.name)) continue;
    const bytes = await readFile(join(entry.parentPath ?? entry.path, entry.name));
    rawBytes += bytes.length;
    parts.push(bytes);
  }
  return { rawBytes, gzipBytes: gzipSync(Buffer.concat(parts)).length };
}

/** The commands that set each Worker's required secrets. @param {WorkerPlan[]} plan @param {string} [env] */
export function secretCommands(plan, env) {
  const envFlag = env ? ` --env ${env}` : "";
  return plan.flatMap((worker) =>
    worker.secrets.map((secret) => `npx wrangler secret put ${secret} --config ${worker.config}${envFlag}`),
  );
}

// A real deploy talks to the user (login, prompts); a dry run shows wrangler's output only
// when it fails.
/** @param {string[]} args @param {{ quiet: boolean }} options @returns {Promise<void>} */
function wrangler(args, { quiet }) {
  const bin = resolve(repoRoot, "node_modules/.bin/wrangler");
  return new Promise((/** @type {(value?: void) => void} */ resolvePromise, reject) => {
    const child = spawn(bin, args, {
      cwd: repoRoot,
      stdio: quiet ? ["ignore", "pipe", "pipe"] : "inherit",
      env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
    });
    let output = "";
    child.stdout?.on("data", (chunk) => (output += chunk));
    child.stderr?.on("data", (chunk) => (output += chunk));
    child.on("error", reject);
    child.on("exit", (code) => {
      if (code === 0) return resolvePromise();
      reject(new DeployError("wrangler_failed", `wrangler ${args.join(" ")} exited with ${code}${output ? `\n${output}` : ""}`));
    });
  });
}
