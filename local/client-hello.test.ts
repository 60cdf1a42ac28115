import { createServer, type AddressInfo } from "node:net";
import { connect } from "node:tls";
import { describe, expect, it } from "vitest";
import { serverNameOf } from "./client-hello.mjs";

// The first bytes a real TLS client (Node's OpenSSL) sends, with and without SNI.
async function clientHello(servername?: string): Promise<Buffer> {
  const server = createServer();
  const first = new Promise<Buffer>((resolve) => server.once("connection", (socket) => socket.once("data", (chunk: Buffer) => (resolve(chunk), socket.destroy()))));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const client = connect({ host: "127.0.0.1", port: (server.address() as AddressInfo).port, servername, rejectUnauthorized: false });
  client.on("error", () => {});
  const bytes = await first;
  client.destroy();
  server.close();
  return bytes;
}

describe("serverNameOf", () => {
  it("reads the server name of a real ClientHello, in lower case", async () => {
    expect(serverNameOf(await clientHello("HTTPbin.example.com"))).toEqual({ state: "done", servername: "httpbin.example.com" });
  });

  it("waits for the whole record, and answers undefined without SNI or for bytes that are no ClientHello", async () => {
    const hello = await clientHello("bookinfo.example.com");
    expect(serverNameOf(hello.subarray(0, 4))).toEqual({ state: "incomplete" });
    expect(serverNameOf(hello.subarray(0, hello.length - 1))).toEqual({ state: "incomplete" });
    expect(serverNameOf(await clientHello())).toEqual({ state: "done", servername: undefined });
    expect(serverNameOf(Buffer.from("GET / HTTP/1.1\r\n\r\n"))).toEqual({ state: "done", servername: undefined });
    // A record that claims more than it holds, then garbage inside a complete record.
    const truncated = Buffer.from(hello);
    truncated.writeUInt16BE(60, 3);
    expect(serverNameOf(truncated.subarray(0, 65))).toEqual({ state: "done", servername: undefined });
  });
});
