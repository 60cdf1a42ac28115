import { describe, expect, it } from "vitest";
import { readEvents, SseParser } from "./sse.ts";

describe("SseParser", () => {
  it("joins events split across chunks and multi-line data", () => {
    const parser = new SseParser();
    expect(parser.feed("event: start\ndata: {\"a\"")).toEqual([]);
    expect(parser.feed(":1}\n\n: comment\nevent: request\r\ndata: x\ndata: y\n\ndata: plain\n")).toEqual([
      { event: "start", data: '{"a":1}' },
      { event: "request", data: "x\ny" },
    ]);
    expect(parser.feed("\n")).toEqual([{ event: "message", data: "plain" }]);
  });

  it("reads a streamed response to its end", async () => {
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        const encoder = new TextEncoder();
        controller.enqueue(encoder.encode("event: request\ndata: {\"n\":1}\n\nevent: req"));
        controller.enqueue(encoder.encode("uest\ndata: {\"n\":2}\n\nevent: end\ndata: {}\n\n"));
        controller.close();
      },
    });
    const seen: string[] = [];
    await readEvents(new Response(body), (e) => seen.push(`${e.event}:${e.data}`));
    expect(seen).toEqual(['request:{"n":1}', 'request:{"n":2}', "end:{}"]);
  });
});
