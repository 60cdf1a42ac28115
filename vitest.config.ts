import { defineConfig } from "vitest/config";

// Every test runs in Node. Unit tests import the pure modules directly; multi-Worker
// tests start the real runtime (workerd) through Miniflare via test/harness.
export default defineConfig({
  test: {
    include: ["**/*.test.ts"],
    exclude: ["node_modules/**", ".isthmus/**", "dist/**"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    maxWorkers: 2,
  },
});
