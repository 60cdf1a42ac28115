// The house's one rule between the planes: the data plane (dataplane/, workers/) and the
// control plane (controlplane/) import each other only through contracts/. Pure libraries
// (resources/, identity/, reporting/) import neither plane; contracts/ import only those.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, posix } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

type Area = "dataplane" | "controlplane" | "contracts" | "library";
const AREAS: Record<string, Area> = {
  dataplane: "dataplane",
  workers: "dataplane",
  controlplane: "controlplane",
  contracts: "contracts",
  resources: "library",
  identity: "library",
  reporting: "library",
};
/** What each area may import, besides itself and node_modules. */
const ALLOWED: Record<Area, Area[]> = {
  dataplane: ["contracts", "library"],
  controlplane: ["contracts", "library"],
  contracts: ["library"],
  library: ["library"],
};

function areaOf(path: string): Area | undefined {
  return AREAS[path.split("/")[0]];
}

function* sources(base: string, dir: string): Generator<string> {
  let entries;
  try {
    entries = readdirSync(join(base, dir), { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const path = posix.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== "node_modules" && !entry.name.startsWith(".")) yield* sources(base, path);
    } else if (/\.(ts|tsx|mjs|js)$/.test(entry.name) && !/\.test\.ts$/.test(entry.name)) yield path;
  }
}

const SPECIFIER = /\b(?:from|import)\s*\(?\s*["'](\.{1,2}\/[^"']+)["']/g;

/** Every import under `base` that crosses from one area into another it may not use, as `file -> target`. */
function crossings(base: string): string[] {
  const found: string[] = [];
  for (const top of Object.keys(AREAS)) {
    for (const file of sources(base, top)) {
      const from = areaOf(file)!;
      for (const [, spec] of readFileSync(join(base, file), "utf8").matchAll(SPECIFIER)) {
        const target = posix.normalize(posix.join(posix.dirname(file), spec));
        const to = areaOf(target);
        if (to && to !== from && !ALLOWED[from].includes(to)) found.push(`${file} -> ${target}`);
      }
    }
  }
  return found;
}

describe("the layout's boundaries", () => {
  it("no plane imports the other except through contracts/", () => {
    expect(crossings(root)).toEqual([]);
  });

  it("sees a crossing in either direction, and allows contracts/ and the pure libraries", () => {
    const base = mkdtempSync(join(tmpdir(), "isthmus-boundaries-"));
    try {
      const write = (path: string, text: string) => {
        mkdirSync(dirname(join(base, path)), { recursive: true });
        writeFileSync(join(base, path), text);
      };
      write("dataplane/a.ts", `import type { Env } from "../controlplane/env.ts";\nimport { x } from "../contracts/x.ts";`);
      write("controlplane/b.ts", `import { y } from "../dataplane/y.ts";\nimport { z } from "../resources/z.ts";`);
      write("identity/c.ts", `export const c = await import("../dataplane/c.ts");`);
      write("dataplane/ok.test.ts", `import { env } from "../controlplane/env.ts";`);
      expect(crossings(base).sort()).toEqual([
        "controlplane/b.ts -> dataplane/y.ts",
        "dataplane/a.ts -> controlplane/env.ts",
        "identity/c.ts -> dataplane/c.ts",
      ]);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});
