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
    // The JSON report is what .ci/run totals; the default reporter is for people.
    reporters: ["default", "json"],
    outputFile: { json: "test-results/vitest.json" },
  },
});
