// `node local/dev.mjs` (what `npm start` runs) as a child process on free ports, for the
// end-to-end tests that use the local mesh as a user does.
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

export const repo = fileURLToPath(new URL("../..", import.meta.url));
export const TOKEN = "e2e-admin-token";

export interface Running {
  child: ChildProcess;
  gatewayUrl: string;
  gatewayTlsUrl: string;
  controlUrl: string;
  output: () => string;
}

/** Starts the local mesh in `stateDir` on free ports; resolves once it printed its URLs. */
export function startMesh(stateDir: string, env: Record<string, string> = {}): Promise<Running> {
  const child = spawn(process.execPath, ["local/dev.mjs"], {
    cwd: repo,
    env: {
      ...process.env,
      ISTHMUS_STATE_DIR: stateDir,
      ISTHMUS_CONTROL_PORT: "0",
      ISTHMUS_GATEWAY_PORT: "0",
      ISTHMUS_GATEWAY_TLS_PORT: "0",
      ISTHMUS_ADMIN_TOKEN: TOKEN,
      ISTHMUS_REFRESH_MS: "200",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (chunk) => (out += chunk));
  child.stderr!.on("data", (chunk) => (out += chunk));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`dev.mjs did not come up:\n${out}`)), 90_000);
    const failed = (code: number | null) => reject(new Error(`dev.mjs exited with ${code}:\n${out}`));
    child.on("exit", failed);
    const check = () => {
      const gateway = /gateway\s+(http:\/\/\S+)/.exec(out);
      const gatewayTls = /gateway TLS\s+(https:\/\/\S+)/.exec(out);
      const control = /control API\s+(http:\/\/\S+)/.exec(out);
      if (gateway && gatewayTls && control && out.includes("Ctrl-C to stop")) {
        clearTimeout(timer);
        child.stdout!.off("data", check);
        child.off("exit", failed);
        resolve({ child, gatewayUrl: gateway[1], gatewayTlsUrl: gatewayTls[1], controlUrl: control[1], output: () => out });
      }
    };
    child.stdout!.on("data", check);
  });
}

/** Ctrl-C, as a user stops it; resolves with the exit code. */
export function stop(running: Running): Promise<number | null> {
  return new Promise((resolve) => {
    if (running.child.exitCode !== null) return resolve(running.child.exitCode);
    running.child.once("exit", (code) => resolve(code));
    running.child.kill("SIGINT");
  });
}

/** Polls `probe` until it returns a value (or `timeoutMs` passes). */
export async function eventually<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
}
