import { describe, expect, it } from "vitest";
import { readBytes, readText, type BodyRefusals } from "./body.ts";
import { ApiError, PayloadTooLargeError, UnsupportedMediaTypeError } from "./errors.ts";

const post = (body: BodyInit | null, headers: Record<string, string>) => new Request("http://control/x", { method: "POST", body, headers, duplex: "half" } as RequestInit);

/** The refusal a read throws, as status and body. */
async function refusalOf(read: Promise<unknown>): Promise<[number, string]> {
  try {
    await read;
  } catch (error) {
    if (error instanceof ApiError) return [error.status, JSON.stringify(error)];
    throw error;
  }
  throw new Error("the read was not refused");
}

/** A body of `size` bytes in 1 KiB chunks, with no Content-Length. */
function streamOf(size: number): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent >= size) return controller.close();
      const chunk = new Uint8Array(Math.min(1024, size - sent)).fill(0x41);
      sent += chunk.byteLength;
      controller.enqueue(chunk);
    },
  });
}

describe("reading a request body", () => {
  it("returns the bytes as sent, also when they are not UTF-8 (a DER CSR)", async () => {
    const der = new Uint8Array([0x30, 0x82, 0xff, 0xfe, 0x00]);
    expect(await readBytes(post(der, { "content-type": "application/pkcs10" }), ["application/pkcs10"])).toEqual(der);
    expect(await readBytes(post(null, { "content-type": "text/plain" }), ["text/plain"])).toEqual(new Uint8Array());
  });

  it("refuses a media type not accepted (415), naming the header as sent", async () => {
    expect(await refusalOf(readText(post("{}", { "content-type": "Text/HTML; charset=utf-8" }), ["application/json"]))).toEqual([
      415,
      JSON.stringify(new UnsupportedMediaTypeError("Text/HTML; charset=utf-8", ["application/json"])),
    ]);
  });

  it("refuses past the limit on Content-Length before reading, and while reading a body that has none (413)", async () => {
    const tooLarge = [413, '{"error":{"code":"too_large","message":"request body exceeds 4096 bytes","details":[]}}'];
    expect(await refusalOf(readText(post("x", { "content-type": "text/plain", "content-length": "4097" }), ["text/plain"], 4096))).toEqual(tooLarge);
    expect(await refusalOf(readText(post(streamOf(5000), { "content-type": "text/plain" }), ["text/plain"], 4096))).toEqual(tooLarge);
    expect(await readText(post(streamOf(4096), { "content-type": "text/plain" }), ["text/plain"], 4096)).toHaveLength(4096);
  });

  it("reads a body framed by Content-Length whole, and still refuses one longer than the header says (413)", async () => {
    expect(await readText(post("é".repeat(2048), { "content-type": "text/plain", "content-length": "4096" }), ["text/plain"], 4096)).toBe("é".repeat(2048));
    expect((await refusalOf(readText(post("x".repeat(5000), { "content-type": "text/plain", "content-length": "10" }), ["text/plain"], 4096)))[0]).toBe(413);
  });

  it("words the refusals as a route asks (the CSR route's own answers)", async () => {
    const csr: BodyRefusals = {
      unsupported: (_contentType, mediaType, accepted) => new UnsupportedMediaTypeError(mediaType, accepted),
      tooLarge: (limit) => new PayloadTooLargeError(limit, `a CSR is at most ${limit} bytes`),
    };
    expect(await refusalOf(readBytes(post("x", { "content-type": "Application/JSON; charset=utf-8" }), ["application/pkcs10"], 16, csr))).toEqual([
      415,
      '{"error":{"code":"unsupported_media_type","message":"content type \\"application/json\\" is not one of application/pkcs10","details":[]}}',
    ]);
    expect(await refusalOf(readBytes(post(streamOf(17), { "content-type": "application/pkcs10" }), ["application/pkcs10"], 16, csr))).toEqual([
      413,
      '{"error":{"code":"too_large","message":"a CSR is at most 16 bytes","details":[]}}',
    ]);
  });

  it("refuses text that is not UTF-8 (400)", async () => {
    const [status, body] = await refusalOf(readText(post(new Uint8Array([0xc3, 0x28]), { "content-type": "text/plain" }), ["text/plain"]));
    expect([status, JSON.parse(body).error.code]).toEqual([400, "malformed"]);
  });
});
