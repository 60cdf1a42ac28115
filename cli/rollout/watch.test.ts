import { describe, expect, it } from "vitest";
import type { Rollout } from "./render.js";
import { durationMs, watchRollout } from "./watch.js";

/** A Rollout whose phase and weight move through `frames`, one per read, then stay on the last. */
function sequence(frames: [phase: string, weight: number][]) {
  let reads = 0;
  const read = async (): Promise<Rollout> => {
    const [phase, weight] = frames[Math.min(reads++, frames.length - 1)]!;
    return { metadata: { name: "reviews" }, status: { phase, weight } };
  };
  return { read, reads: () => reads };
}
const render = (r: Rollout) => `${r.status?.phase} ${r.status?.weight}\n`;

describe("watchRollout", () => {
  it("redraws on a terminal until a terminal phase, clearing the screen each time", async () => {
    const source = sequence([["Progressing", 1], ["Progressing", 1], ["Progressing", 5], ["Promoted", 100]]);
    let written = "";
    const result = await watchRollout({ read: source.read, render, write: (s) => (written += s), tty: true, intervalMs: 5 });
    expect(result.ended).toBe("terminal");
    expect(result.rollout.status?.phase).toBe("Promoted");
    expect(source.reads()).toBe(4);
    expect(written.split("\u001b[H\u001b[2J").slice(1)).toEqual(["Progressing 1\n", "Progressing 1\n", "Progressing 5\n", "Promoted 100\n"]);
  });

  it("prints only changes when not on a terminal", async () => {
    const source = sequence([["Progressing", 1], ["Progressing", 1], ["RolledBack", 0]]);
    let written = "";
    const result = await watchRollout({ read: source.read, render, write: (s) => (written += s), tty: false, intervalMs: 5 });
    expect(result.ended).toBe("terminal");
    expect(written).toBe("Progressing 1\n\nRolledBack 0\n");
  });

  it("gives up at the timeout after a last read, and stops at once when interrupted", async () => {
    const slow = sequence([["Progressing", 5]]);
    const started = Date.now();
    const timedOut = await watchRollout({ read: slow.read, render, write: () => {}, tty: false, intervalMs: 20, timeoutMs: 70 });
    expect(timedOut.ended).toBe("timeout");
    expect(Date.now() - started).toBeGreaterThanOrEqual(65);
    expect(slow.reads()).toBeGreaterThanOrEqual(4);

    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    const stopped = Date.now();
    const interrupted = await watchRollout({ read: sequence([["Paused", 5]]).read, render, write: () => {}, tty: false, intervalMs: 60_000, signal: controller.signal });
    expect(interrupted.ended).toBe("interrupted");
    expect(Date.now() - stopped).toBeLessThan(5_000);
  });
});

describe("durationMs", () => {
  it("reads ms, s, m and h, and refuses anything else naming the flag", () => {
    expect([durationMs("500ms", "--interval"), durationMs("2s", "--interval"), durationMs("10m", "--timeout"), durationMs("1h", "--timeout")]).toEqual([500, 2000, 600_000, 3_600_000]);
    expect(() => durationMs("0s", "--interval")).toThrow(/--interval 0s: use a duration/);
    expect(() => durationMs("soon", "--timeout")).toThrow(/--timeout soon/);
  });
});
