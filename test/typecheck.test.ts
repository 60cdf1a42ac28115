// The type check is part of the suite, so `npm test` (what .ci/run runs) fails on a type
// error in the Worker code, the tests, cli/, local/, scripts/ or the dashboard.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

const REPO = fileURLToPath(new URL("..", import.meta.url));

function typecheck(): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile("npm", ["run", "--silent", "typecheck"], { cwd: REPO, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : 1;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

it("npm run typecheck finds no type errors", async () => {
  const { code, output } = await typecheck();
  const errors = output.split("\n").filter((line) => /error TS\d+:/.test(line));
  expect(errors, output).toEqual([]);
  expect(code, output).toBe(0);
}, 300_000);
