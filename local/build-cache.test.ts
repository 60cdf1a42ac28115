import { mkdtemp, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";

// Each start is a new process: a fresh module has none of the hashes an earlier one kept.
async function freshCache() {
  vi.resetModules();
  return (await import("./build-cache.mjs")).cachedBuild;
}

describe("cachedBuild", () => {
  const dirs: string[] = [];
  afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

  /** An input of `contents` modified `ageSeconds` ago (whole seconds, so a rewrite can keep its time exactly). */
  async function setUp(contents: string, ageSeconds: number) {
    const dir = await mkdtemp(join(tmpdir(), "isthmus-build-cache-"));
    dirs.push(dir);
    const input = join(dir, "input.txt");
    const mtime = Math.floor(Date.now() / 1000) - ageSeconds;
    const write = async (text: string) => {
      await writeFile(input, text);
      await utimes(input, mtime, mtime);
    };
    await write(contents);
    const outfile = join(dir, "out.txt");
    const build = async () => ({ contents: (await readFile(input, "utf8")).toUpperCase(), inputs: [input] });
    const run = async () => (await freshCache())({ outfile, key: "k", build });
    return { input, outfile, write, run };
  }

  it("takes a settled input with the recorded size and modification time as unchanged without reading it", async () => {
    const { write, run, outfile } = await setUp("aaaa", 60);
    expect((await run()).cached).toBe(false);
    // Checked once more after the output settled too (its record is learned then).
    await utimes(outfile, Date.now() / 1000 - 60, Date.now() / 1000 - 60);
    expect((await run()).cached).toBe(true);
    // Same size, same time: the shortcut trusts the record (as git's index does).
    await write("bbbb");
    expect((await run()).cached).toBe(true);
    // Another size is another version: read, hashed, rebuilt.
    await write("ccccc");
    expect((await run()).cached).toBe(false);
    expect(await readFile(outfile, "utf8")).toBe("CCCCC");
  });

  it("reads an input modified within the last seconds on every check, so an edit in the same timestamp tick is seen", async () => {
    const { write, run, outfile } = await setUp("aaaa", 0);
    expect((await run()).cached).toBe(false);
    expect((await run()).cached).toBe(true);
    await write("bbbb");
    expect((await run()).cached).toBe(false);
    expect(await readFile(outfile, "utf8")).toBe("BBBB");
  });

  it("records an input once it has settled, then trusts its size and modification time", async () => {
    const { input, write, run } = await setUp("aaaa", 0);
    expect((await run()).cached).toBe(false);
    // Older now, same contents: still cached, and this time the version is recorded.
    const old = Math.floor(Date.now() / 1000) - 60;
    await utimes(input, old, old);
    expect((await run()).cached).toBe(true);
    await writeFile(input, "bbbb");
    await utimes(input, old, old);
    expect((await run()).cached).toBe(true);
  });
});
