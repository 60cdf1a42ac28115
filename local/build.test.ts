import { mkdtemp, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { bundleWorker } from "./build.mjs";

describe("bundleWorker (content-hash build cache)", () => {
  const dirs: string[] = [];
  afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

  it("reuses a bundle while its inputs are unchanged and rebuilds only the entries that import a changed file", async () => {
    const src = await mkdtemp(join(tmpdir(), "isthmus-cache-src-"));
    const buildDir = await mkdtemp(join(tmpdir(), "isthmus-cache-build-"));
    dirs.push(src, buildDir);
    await writeFile(join(src, "shared.ts"), `export const word = "first";\n`);
    await writeFile(join(src, "other.ts"), `export const other = "other";\n`);
    await writeFile(join(src, "a.ts"), `import { word } from "./shared.ts";\nexport default { fetch: () => new Response(word) };\n`);
    await writeFile(join(src, "b.ts"), `import { other } from "./other.ts";\nexport default { fetch: () => new Response(other) };\n`);
    const both = () => Promise.all([bundleWorker(join(src, "a.ts"), buildDir), bundleWorker(join(src, "b.ts"), buildDir)]);

    const [a1, b1] = await both();
    expect([a1.cached, b1.cached]).toEqual([false, false]);
    expect(await readFile(a1.path, "utf8")).toContain('"first"');

    const [a2, b2] = await both();
    expect([a2.cached, b2.cached]).toEqual([true, true]);
    expect(a2.path).toBe(a1.path);

    // A touched file with the same contents is still the same input.
    const later = new Date(Date.now() + 5_000);
    await utimes(join(src, "shared.ts"), later, later);
    expect((await bundleWorker(join(src, "a.ts"), buildDir)).cached).toBe(true);

    await writeFile(join(src, "shared.ts"), `export const word = "second";\n`);
    const [a3, b3] = await both();
    expect([a3.cached, b3.cached]).toEqual([false, true]);
    expect(await readFile(a3.path, "utf8")).toContain('"second"');

    // A bundle edited or damaged in the build directory is not trusted.
    await writeFile(b3.path, "broken");
    const b4 = await bundleWorker(join(src, "b.ts"), buildDir);
    expect(b4.cached).toBe(false);
    expect(await readFile(b4.path, "utf8")).toContain('"other"');
  });

  it("makes a minified bundle beside the plain one on request, keeping function names", async () => {
    const src = await mkdtemp(join(tmpdir(), "isthmus-cache-src-"));
    const buildDir = await mkdtemp(join(tmpdir(), "isthmus-cache-build-"));
    dirs.push(src, buildDir);
    await writeFile(join(src, "entry.ts"), `function describeTheGreeting() {\n  const greetingWord = "hello";\n  return greetingWord;\n}\nexport const named = () => describeTheGreeting.name;\n`);
    const plain = await bundleWorker(join(src, "entry.ts"), buildDir);
    const minified = await bundleWorker(join(src, "entry.ts"), buildDir, { minify: true });
    expect(minified.path).not.toBe(plain.path);
    expect(minified.cached).toBe(false);
    const [plainText, minifiedText] = await Promise.all([readFile(plain.path, "utf8"), readFile(minified.path, "utf8")]);
    expect(plainText).toContain("greetingWord");
    expect(minifiedText).not.toContain("greetingWord");
    const { named } = await import(pathToFileURL(minified.path).href);
    expect(named()).toBe("describeTheGreeting");
    // Each is cached on its own.
    expect((await bundleWorker(join(src, "entry.ts"), buildDir, { minify: true })).cached).toBe(true);
    expect((await bundleWorker(join(src, "entry.ts"), buildDir)).cached).toBe(true);
  });

  it("shares one build between Workers with the same entry, and tracks the dashboard's sources behind the control plane", async () => {
    const buildDir = await mkdtemp(join(tmpdir(), "isthmus-cache-build-"));
    dirs.push(buildDir);
    const [first, second] = await Promise.all([bundleWorker("controlplane/worker.ts", buildDir), bundleWorker("controlplane/worker.ts", buildDir)]);
    expect(first).toEqual(second);
    expect(first.cached).toBe(false);
    const record = JSON.parse(await readFile(`${first.path}.inputs.json`, "utf8"));
    const inputs = Object.keys(record.inputs);
    expect(inputs).toContainEqual(expect.stringMatching(/controlplane\/worker\.ts$/));
    expect(inputs).toContainEqual(expect.stringMatching(/dashboard\/src\/main\.tsx$/));
    expect(inputs).toContainEqual(expect.stringMatching(/\/tsconfig\.json$/));
    expect((await bundleWorker("controlplane/worker.ts", buildDir)).cached).toBe(true);
  }, 60_000);
});
