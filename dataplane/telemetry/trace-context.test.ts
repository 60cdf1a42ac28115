import { TraceFlags } from "@opentelemetry/api";
import { describe, expect, it } from "vitest";
import { extractTraceContext, injectTraceContext, parseB3Single, parseTraceparent, W3CTraceState } from "./trace-context.ts";

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN = "00f067aa0ba902b7";

describe("W3C traceparent", () => {
  it("parses the spec's example", () => {
    expect(parseTraceparent(`00-${TRACE}-${SPAN}-01`)).toEqual({
      spanContext: { traceId: TRACE, spanId: SPAN, traceFlags: TraceFlags.SAMPLED, isRemote: true },
      sampled: true,
    });
    expect(parseTraceparent(`00-${TRACE}-${SPAN}-00`)?.sampled).toBe(false);
  });

  it("refuses invalid forms", () => {
    for (const bad of [
      `00-${"0".repeat(32)}-${SPAN}-01`,
      `00-${TRACE}-${"0".repeat(16)}-01`,
      `ff-${TRACE}-${SPAN}-01`,
      `00-${TRACE.toUpperCase()}-${SPAN}-01`,
      `00-${TRACE}-${SPAN}-01-extra`,
      `00-${TRACE}-${SPAN}`,
      "garbage",
    ]) {
      expect(parseTraceparent(bad), bad).toBeNull();
    }
  });

  it("reads a future version by its first four fields", () => {
    expect(parseTraceparent(`01-${TRACE}-${SPAN}-03-whatever`)?.spanContext.traceFlags).toBe(TraceFlags.SAMPLED);
  });

  it("keeps tracestate members and propagates them", () => {
    const incoming = extractTraceContext(new Headers({ traceparent: `00-${TRACE}-${SPAN}-01`, tracestate: "congo=t61rcWkgMzE, rojo=00f067aa0ba902b7" }))!;
    expect(incoming.spanContext.traceState?.get("rojo")).toBe("00f067aa0ba902b7");
    const out = new Headers({ b3: "x", "x-b3-traceid": "y" });
    injectTraceContext(out, { ...incoming.spanContext, spanId: "1111111111111111" });
    expect(out.get("traceparent")).toBe(`00-${TRACE}-1111111111111111-01`);
    expect(out.get("tracestate")).toBe("congo=t61rcWkgMzE,rojo=00f067aa0ba902b7");
    expect(out.has("b3")).toBe(false);
    expect(out.has("x-b3-traceid")).toBe(false);
  });

  it("tracestate set() moves the key to the front", () => {
    const state = W3CTraceState.parse("a=1,b=2").set("b", "3");
    expect(state.serialize()).toBe("b=3,a=1");
  });
});

describe("B3 on ingress", () => {
  it("reads the single header, widening 64-bit trace ids", () => {
    const t = parseB3Single(`a3ce929d0e0e4736-${SPAN}-1-05e3ac9a4f6e3b90`)!;
    expect(t.spanContext.traceId).toBe("0000000000000000a3ce929d0e0e4736");
    expect(t.sampled).toBe(true);
    expect(parseB3Single(`${TRACE}-${SPAN}-d`)!.sampled).toBe(true);
    expect(parseB3Single(`${TRACE}-${SPAN}-0`)!.sampled).toBe(false);
    expect(parseB3Single(`${TRACE}-${SPAN}`)!.sampled).toBeUndefined();
    expect(parseB3Single("0")).toBeNull(); // a bare decision carries no context
    expect(parseB3Single(`${TRACE}-${SPAN}-x`)).toBeNull();
  });

  it("reads the multi headers, X-B3-Flags debug meaning sampled", () => {
    const t = extractTraceContext(new Headers({ "X-B3-TraceId": TRACE, "X-B3-SpanId": SPAN, "X-B3-Sampled": "0", "X-B3-Flags": "1" }))!;
    expect(t.spanContext).toMatchObject({ traceId: TRACE, spanId: SPAN });
    expect(t.sampled).toBe(true);
    expect(extractTraceContext(new Headers({ "x-b3-traceid": TRACE, "x-b3-spanid": SPAN, "x-b3-sampled": "true" }))!.sampled).toBe(true);
  });

  it("prefers W3C when both are present, and B3 when traceparent is invalid", () => {
    const other = "11111111111111111111111111111111";
    expect(extractTraceContext(new Headers({ traceparent: `00-${TRACE}-${SPAN}-01`, b3: `${other}-${SPAN}-1` }))!.spanContext.traceId).toBe(TRACE);
    expect(extractTraceContext(new Headers({ traceparent: "bogus", b3: `${other}-${SPAN}-1` }))!.spanContext.traceId).toBe(other);
    expect(extractTraceContext(new Headers())).toBeNull();
  });

  it("converts B3 to traceparent for the next hop", () => {
    const incoming = extractTraceContext(new Headers({ b3: `${TRACE}-${SPAN}-1` }))!;
    const out = new Headers({ b3: `${TRACE}-${SPAN}-1` });
    injectTraceContext(out, incoming.spanContext);
    expect(out.get("traceparent")).toBe(`00-${TRACE}-${SPAN}-01`);
    expect(out.get("b3")).toBeNull();
  });
});
