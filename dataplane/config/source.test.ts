import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ControlPlaneUnreachableError, httpSource, httpStamp, rpcSource, rpcStamp, StampUnsupportedError } from "./source.ts";

let server: Server;
let base = "";
const seen: { url?: string; authorization?: string }[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    seen.push({ url: request.url, authorization: request.headers.authorization });
    // A control plane of an older release: no stamp route (told apart here by its token).
    if (request.headers.authorization === "Bearer old" && request.url === "/v1/snapshot/stamp") return void response.writeHead(404).end("{}");
    if (request.headers.authorization !== "Bearer good") return void response.writeHead(401).end("{}");
    if (request.url === "/v1/snapshot/stamp") return void response.setHeader("content-type", "application/json").end(JSON.stringify({ version: 4, hash: "ab" }));
    const since = Number(new URL(request.url!, "http://x").searchParams.get("since")!.split(":").at(-1));
    if (request.headers.authorization !== "Bearer good") return void response.writeHead(401).end("{}");
    if (since >= 4) return void response.writeHead(304).end();
    response.setHeader("content-type", "application/json");
    response.end(JSON.stringify({ version: 4 }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(() => new Promise((resolve) => server.close(resolve)));

describe("httpSource", () => {
  it("pulls GET /v1/snapshot?since= with the bearer token; 304 means not newer", async () => {
    const source = httpSource(base, "good");
    expect(await source.pull({ version: 0 })).toEqual({ version: 4 });
    expect(await source.pull({ version: 4, epoch: "e1" })).toBeNull();
    expect(seen.slice(-2)).toEqual([
      { url: "/v1/snapshot?since=0", authorization: "Bearer good" },
      { url: "/v1/snapshot?since=e1%3A4", authorization: "Bearer good" },
    ]);
  });

  it("reports a refusal or an unreachable control plane as ControlPlaneUnreachableError", async () => {
    await expect(httpSource(base, "bad").pull({ version: 0 })).rejects.toBeInstanceOf(ControlPlaneUnreachableError);
    await expect(httpSource("http://127.0.0.1:1", "good").pull({ version: 0 })).rejects.toBeInstanceOf(ControlPlaneUnreachableError);
  });
});

describe("httpStamp", () => {
  it("asks GET /v1/snapshot/stamp with the bearer token; a refusal or no answer is ControlPlaneUnreachableError", async () => {
    expect(await httpStamp(base, "good")()).toEqual({ version: 4, hash: "ab" });
    expect(seen.at(-1)).toEqual({ url: "/v1/snapshot/stamp", authorization: "Bearer good" });
    await expect(httpStamp(base, "bad")()).rejects.toBeInstanceOf(ControlPlaneUnreachableError);
    await expect(httpStamp("http://127.0.0.1:1", "good")()).rejects.toBeInstanceOf(ControlPlaneUnreachableError);
  });

  it("takes a 404 for a control plane of an older release, without the stamp", async () => {
    await expect(httpStamp(base, "old")()).rejects.toBeInstanceOf(StampUnsupportedError);
  });
});

describe("rpcStamp", () => {
  it("tells a control plane without snapshotStamp from one that fails", async () => {
    await expect(rpcStamp({ snapshot: async () => null })()).rejects.toBeInstanceOf(StampUnsupportedError);
    const missing = new TypeError('The RPC receiver does not implement the method "snapshotStamp".');
    await expect(rpcStamp({ snapshot: async () => null, snapshotStamp: () => Promise.reject(missing) })()).rejects.toBeInstanceOf(StampUnsupportedError);
    await expect(rpcStamp({ snapshot: async () => null, snapshotStamp: () => Promise.reject(new Error("gone")) })()).rejects.toBeInstanceOf(ControlPlaneUnreachableError);
  });
});

describe("rpcSource", () => {
  it("calls snapshot(since) on the MeshPeer stub, with the epoch when it has one, and wraps its failures", async () => {
    const calls: (number | string | null | undefined)[] = [];
    const source = rpcSource({ snapshot: async (since) => (calls.push(since), null) });
    expect(await source.pull({ version: 3 })).toBeNull();
    expect(await source.pull({ version: 3, epoch: "e1" })).toBeNull();
    expect(calls).toEqual([3, "e1:3"]);
    await expect(rpcSource({ snapshot: async () => Promise.reject(new Error("gone")) }).pull({ version: 0 })).rejects.toMatchObject({ code: "control_plane_unreachable" });
  });
});
