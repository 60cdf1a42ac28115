import { describe, expect, it } from "vitest";
import { serverSentEvents } from "./tap.js";

/** A body delivered in awkward chunks, as a network would. */
function body(chunks: string[]) {
  const encoder = new TextEncoder();
  return new ReadableStream<Uint8Array>({
    start(controller) {
      for (const c of chunks) controller.enqueue(encoder.encode(c));
      controller.close();
    },
  });
}

describe("serverSentEvents", () => {
  it("parses events split across chunks, with CRLF, comments and multi-line data", async () => {
    const events = [];
    for await (const e of serverSentEvents(body(["event: start\ndata: {\"a\"", ":1}\n\n: keep-alive\n\r\n", "event: request\r\ndata: line1\r\ndata: line2\r\n\r\n", "data: plain\n\n"]))) events.push(e);
    expect(events).toEqual([
      { event: "start", data: '{"a":1}' },
      { event: "request", data: "line1\nline2" },
      { event: "message", data: "plain" },
    ]);
  });
});
