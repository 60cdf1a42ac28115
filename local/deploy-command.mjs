#!/usr/bin/env node
// `npm run deploy [-- --dry-run] [-- --env NAME]`: the whole mesh to Cloudflare with wrangler.
// Step by step, with secrets, namespaces and upgrades: docs/DEPLOY.md.
import { deployAll, GZIP_LIMIT_BYTES, secretCommands } from "./deploy.mjs";
import { gatewayBindingGaps, writeGatewayBindings } from "./gateway-bindings.mjs";
import { writeDeploySecrets } from "./secrets.mjs";
import { snapshotsNamespaces, unsharedSnapshots, writeSnapshotsNamespace } from "./snapshots-namespace.mjs";
import { CONTROL_CONFIG, OPTIONAL_SECRETS } from "./topology.mjs";
import { parseArgs } from "node:util";

const HELP = `Usage: npm run deploy -- [--dry-run] [--env NAME] [--outdir DIR] [--write-bindings]
                         [--snapshots-kv ID] [--generate-secrets FILE]

Deploys the control plane, then the Bookinfo services, then the gateway, with wrangler.
  --dry-run     build every Worker offline (wrangler deploy --dry-run --outdir DIR/<worker>)
                and print each bundle's size, raw and gzip (free plan limit: 3 MiB gzip)
  --env NAME    a wrangler environment; every config must declare [env.NAME]
  --outdir DIR  where dry-run bundles go (default dist)
  --write-bindings
                first add to the gateway's wrangler config the [[services]] entries it lacks
                for worker:// endpoints of the default config (as isthmus bindings --write
                does: inserted as text); without it they are only named
  --snapshots-kv ID
                first write this KV namespace id into every config's ISTHMUS_SNAPSHOTS
                binding (create it with: npx wrangler kv namespace create isthmus-snapshots);
                a real deploy refuses configs that do not all name one namespace
  --generate-secrets FILE
                only write new ISTHMUS_ADMIN_TOKEN and ISTHMUS_CA_WRAPPING_KEY values to FILE
                (JSON, mode 0600; never overwrites) and print the wrangler secret bulk command

Before deploying, the gateway's config is checked to bind every worker:// endpoint of the
default config, so any Bookinfo service exposed through a Gateway-bound route answers. For
your own Workers and routes: isthmus bindings --config PATH (against the control plane).

Examples:
  npm run deploy -- --generate-secrets .isthmus/cloudflare-secrets.json
  npm run deploy -- --snapshots-kv 0f2ac74b498b48028cb68387c421e279 --dry-run
  npm run deploy -- --env staging --write-bindings`;

// Strict parsing: a mistyped flag must stop the deploy, not be skipped as another flag's value.
/** @type {{ values: { "dry-run"?: boolean, env?: string, outdir?: string, "write-bindings"?: boolean, "snapshots-kv"?: string, "generate-secrets"?: string, help?: boolean } }} */
let parsed;
try {
  parsed = parseArgs({
    args: process.argv.slice(2),
    strict: true,
    allowPositionals: false,
    options: {
      "dry-run": { type: "boolean" },
      env: { type: "string" },
      outdir: { type: "string" },
      "write-bindings": { type: "boolean" },
      "snapshots-kv": { type: "string" },
      "generate-secrets": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
} catch (error) {
  console.error(`${error instanceof Error ? error.message : error}\n\n${HELP}`);
  process.exit(2);
}
const options = parsed.values;
if (options.help) {
  console.log(HELP);
  process.exit(0);
}
const dryRun = options["dry-run"] ?? false;
const env = options.env;
const outDir = options.outdir ?? "dist";

const kib = (/** @type {number} */ bytes) => `${(bytes / 1024).toFixed(1)} KiB`;
const envFlag = env ? ` --env ${env}` : "";
try {
  const secretsFile = options["generate-secrets"];
  if (secretsFile) {
    await writeDeploySecrets(secretsFile);
    console.log(`Wrote ISTHMUS_ADMIN_TOKEN and ISTHMUS_CA_WRAPPING_KEY to ${secretsFile} (mode 0600). Upload them, then keep the file somewhere safe:`);
    console.log(`  npx wrangler secret bulk ${secretsFile} --config ${CONTROL_CONFIG}${envFlag}`);
    process.exit(0);
  }
  const namespaceId = options["snapshots-kv"];
  if (namespaceId) {
    const changed = await writeSnapshotsNamespace(namespaceId, { env });
    console.log(changed.length ? `ISTHMUS_SNAPSHOTS set to ${namespaceId} in: ${changed.join(", ")}` : `ISTHMUS_SNAPSHOTS already ${namespaceId} everywhere`);
  }
  const unshared = unsharedSnapshots(await snapshotsNamespaces({ env }), env);
  if (unshared && dryRun) console.warn(`Before a real deploy: ${unshared}`);
  const gaps = await gatewayBindingGaps({ env });
  if (gaps.length && options["write-bindings"]) {
    const added = await writeGatewayBindings(gaps, { env });
    console.log(`added to the gateway's config: ${added.map((entry) => `${entry.binding} (${entry.service})`).join(", ")}`);
  } else if (gaps.length) {
    console.warn(`The gateway's config binds no Worker for: ${gaps.map((entry) => entry.binding).join(", ")}; Gateway-bound routes there would answer 503.`);
    console.warn("  npm run deploy -- --write-bindings  adds them (or isthmus bindings --write --config workers/gateway/wrangler.toml)");
  }
  const { plan, sizes } = await deployAll({ dryRun, env, outDir });
  if (dryRun) {
    console.log(`\n${"Worker".padEnd(32)}${"raw".padStart(14)}${"gzip".padStart(14)}`);
    for (const size of sizes) console.log(`${size.name.padEnd(32)}${kib(size.rawBytes).padStart(14)}${kib(size.gzipBytes).padStart(14)}`);
    const over = sizes.filter((size) => size.gzipBytes > GZIP_LIMIT_BYTES);
    for (const size of over) console.error(`${size.name} is over the free plan's 3 MiB gzip limit`);
    if (over.length) process.exit(1);
    console.log(`\nAll ${sizes.length} Workers build offline (bundles in ${outDir}/).`);
  }
  const secrets = secretCommands(plan, env);
  if (secrets.length) {
    console.log(`\n${dryRun ? "Before a real deploy, set" : "Set"} these secrets (once per environment):`);
    for (const command of secrets) console.log(`  ${command}`);
  }
  console.log(`Optional, per Worker: ${OPTIONAL_SECRETS.join(", ")} (error reports).`);
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
