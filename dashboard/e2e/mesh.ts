// The local mesh for browser tests: fresh state, free ports, bootstrapped, with a viewer
// and an editor token minted through the API.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bootstrapMesh } from "../../local/bootstrap.mjs";
import { startLocalMesh } from "../../local/mesh.mjs";

export interface TestMesh {
  controlUrl: string;
  gatewayUrl: string;
  tokens: { admin: string; editor: string; viewer: string };
  api(path: string, init?: RequestInit & { token?: string }): Promise<Response>;
  dispose(): Promise<void>;
}

export async function startTestMesh(): Promise<TestMesh> {
  const stateDir = await mkdtemp(join(tmpdir(), "isthmus-dashboard-"));
  const admin = `admin-${crypto.randomUUID()}`;
  const mesh = await startLocalMesh({
    stateDir,
    adminToken: admin,
    controlPort: 0,
    gatewayPort: 0,
    persist: false,
    refreshMs: 500,
    controlVars: { ISTHMUS_CA_WRAPPING_KEY: crypto.randomUUID() + crypto.randomUUID() },
  });
  const api: TestMesh["api"] = (path, { token, ...init } = {}) => {
    const headers = new Headers(init.headers);
    headers.set("authorization", `Bearer ${token ?? admin}`);
    return fetch(new URL(path, mesh.controlUrl), { ...init, headers });
  };
  try {
    await bootstrapMesh({ controlUrl: mesh.controlUrl, adminToken: admin, stateDir });
    // Ready for these tests: Bookinfo answers end to end through the gateway.
    await until(async () => (await fetch(new URL("/api/v1/products/0/reviews", mesh.gatewayUrl))).ok, 60_000, "Bookinfo through the gateway");
    const mint = async (role: string) => {
      const response = await api("/v1/tokens", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name: `ui-${role}`, role }) });
      if (response.status !== 201) throw new Error(`minting a ${role} token: ${response.status} ${await response.text()}`);
      return ((await response.json()) as { token: string }).token;
    };
    return {
      controlUrl: mesh.controlUrl,
      gatewayUrl: mesh.gatewayUrl,
      tokens: { admin, editor: await mint("editor"), viewer: await mint("viewer") },
      api,
      async dispose() {
        await mesh.dispose();
        await rm(stateDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await mesh.dispose();
    throw error;
  }
}

/** Polls `check` until it holds, or fails naming `what`. */
export async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Which reviews version answered each of `count` requests through the gateway. */
export async function reviewsVersions(gatewayUrl: string, count: number): Promise<Map<string, number>> {
  const seen = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    const response = await fetch(new URL("/api/v1/products/0/reviews", gatewayUrl));
    const body = (await response.json()) as { podname?: string };
    const version = response.ok ? (body.podname ?? "unnamed") : `status-${response.status}`;
    seen.set(version, (seen.get(version) ?? 0) + 1);
  }
  return seen;
}

/** Sends Bookinfo requests through the gateway in the background until stopped. */
export function backgroundTraffic(gatewayUrl: string, intervalMs = 100): { stop(): Promise<void> } {
  let running = true;
  const loop = (async () => {
    while (running) {
      await fetch(new URL("/productpage", gatewayUrl)).then((r) => r.arrayBuffer()).catch(() => {});
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
    },
  };
}
