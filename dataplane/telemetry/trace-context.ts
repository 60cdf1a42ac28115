// Trace context on the wire: W3C traceparent/tracestate (propagated on every hop), and B3
// single- and multi-header forms accepted on ingress and converted to W3C.
import { TraceFlags, type SpanContext, type TraceState } from "@opentelemetry/api";
import { randomHex } from "./tracer.ts";

/** An incoming trace: the caller's span context, and its sampling decision if it made one. */
export type IncomingTrace = {
  spanContext: SpanContext;
  /** undefined when the caller deferred the decision (B3 without a sampling flag). */
  sampled: boolean | undefined;
};

const HEX32 = /^[0-9a-f]{32}$/;
const HEX16 = /^[0-9a-f]{16}$/;
const ZERO32 = "0".repeat(32);
const ZERO16 = "0".repeat(16);

export const B3_HEADERS = ["b3", "x-b3-traceid", "x-b3-spanid", "x-b3-parentspanid", "x-b3-sampled", "x-b3-flags"];

/** Reads W3C first, then B3 single, then B3 multi; null when none is present and valid. */
export function extractTraceContext(headers: Headers): IncomingTrace | null {
  const traceparent = headers.get("traceparent");
  if (traceparent !== null) {
    const parsed = parseTraceparent(traceparent);
    if (parsed) {
      const state = headers.get("tracestate");
      if (state) parsed.spanContext.traceState = W3CTraceState.parse(state);
      return parsed;
    }
  }
  const single = headers.get("b3");
  if (single !== null) {
    const parsed = parseB3Single(single);
    if (parsed) return parsed;
  }
  return parseB3Multi(headers);
}

const TRACEPARENT_00 = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** `00-<trace-id>-<parent-id>-<flags>`; later versions are read by their first four fields. */
export function parseTraceparent(value: string): IncomingTrace | null {
  // Version 00 as every mesh hop writes it: one match, no split.
  const common = TRACEPARENT_00.exec(value);
  if (common) {
    const [, traceId, spanId, flags] = common as unknown as [string, string, string, string];
    if (traceId === ZERO32 || spanId === ZERO16) return null;
    const traceFlags = parseInt(flags, 16) & TraceFlags.SAMPLED;
    return { spanContext: { traceId, spanId, traceFlags, isRemote: true }, sampled: traceFlags === TraceFlags.SAMPLED };
  }
  const parts = value.trim().split("-");
  if (parts.length < 4) return null;
  const [version, traceId, spanId, flags] = parts;
  if (!/^[0-9a-f]{2}$/.test(version) || version === "ff") return null;
  if (version === "00" && parts.length !== 4) return null;
  if (!HEX32.test(traceId) || traceId === ZERO32 || !HEX16.test(spanId) || spanId === ZERO16) return null;
  if (!/^[0-9a-f]{2}$/.test(flags)) return null;
  const traceFlags = parseInt(flags, 16) & TraceFlags.SAMPLED;
  return { spanContext: { traceId, spanId, traceFlags, isRemote: true }, sampled: traceFlags === TraceFlags.SAMPLED };
}

/** `{TraceId}-{SpanId}[-{SamplingState}[-{ParentSpanId}]]`; a bare sampling state has no context. */
export function parseB3Single(value: string): IncomingTrace | null {
  const parts = value.trim().toLowerCase().split("-");
  if (parts.length < 2) return null;
  const traceId = widenTraceId(parts[0]);
  const spanId = parts[1];
  if (!traceId || !HEX16.test(spanId) || spanId === ZERO16) return null;
  const sampled = b3Sampling(parts[2]);
  if (sampled === null) return null;
  return context(traceId, spanId, sampled);
}

export function parseB3Multi(headers: Headers): IncomingTrace | null {
  const traceId = widenTraceId((headers.get("x-b3-traceid") ?? "").trim().toLowerCase());
  const spanId = (headers.get("x-b3-spanid") ?? "").trim().toLowerCase();
  if (!traceId || !HEX16.test(spanId) || spanId === ZERO16) return null;
  const debug = headers.get("x-b3-flags")?.trim() === "1";
  const sampledHeader = headers.get("x-b3-sampled")?.trim().toLowerCase();
  const sampled = debug ? true : sampledHeader === "1" || sampledHeader === "true" ? true : sampledHeader === "0" || sampledHeader === "false" ? false : undefined;
  return context(traceId, spanId, sampled);
}

/** Sets traceparent (and tracestate) for the next hop; B3 headers are removed so that the
 * next hop reads one consistent context. */
export function injectTraceContext(headers: Headers, spanContext: SpanContext): void {
  for (const name of B3_HEADERS) headers.delete(name);
  headers.set("traceparent", formatTraceparent(spanContext));
  const state = spanContext.traceState?.serialize();
  if (state) headers.set("tracestate", state);
  else headers.delete("tracestate");
}

export function formatTraceparent(spanContext: SpanContext): string {
  const flags = (spanContext.traceFlags & TraceFlags.SAMPLED).toString(16).padStart(2, "0");
  return `00-${spanContext.traceId}-${spanContext.spanId}-${flags}`;
}

/**
 * The traceparent of a trace this hop starts and decided not to sample: no span is built,
 * but the next hops follow the decision instead of making their own.
 */
export function unsampledTraceparent(): string {
  return `00-${randomHex(16)}-${randomHex(8)}-00`;
}

function context(traceId: string, spanId: string, sampled: boolean | undefined): IncomingTrace {
  const traceFlags = sampled ? TraceFlags.SAMPLED : TraceFlags.NONE;
  return { spanContext: { traceId, spanId, traceFlags, isRemote: true }, sampled };
}

// B3 allows 64-bit trace ids; W3C needs 128 bits: left-pad with zeros.
function widenTraceId(id: string): string | null {
  if (HEX16.test(id)) return id === ZERO16 ? null : ZERO16 + id;
  if (HEX32.test(id)) return id === ZERO32 ? null : id;
  return null;
}

function b3Sampling(flag: string | undefined): boolean | undefined | null {
  if (flag === undefined) return undefined;
  if (flag === "1" || flag === "d") return true;
  if (flag === "0") return false;
  return null;
}

/** W3C tracestate: up to 32 `key=value` members, newest first. */
export class W3CTraceState implements TraceState {
  private constructor(private readonly members: [string, string][]) {}

  static parse(header: string): W3CTraceState {
    const members: [string, string][] = [];
    for (const item of header.split(",")) {
      const eq = item.indexOf("=");
      if (eq <= 0) continue;
      const key = item.slice(0, eq).trim();
      const value = item.slice(eq + 1).trim();
      if (!/^[a-z0-9][a-z0-9_\-*/@]{0,255}$/.test(key) || !/^[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]$/.test(value)) continue;
      if (!members.some(([k]) => k === key)) members.push([key, value]);
      if (members.length === 32) break;
    }
    return new W3CTraceState(members);
  }

  set(key: string, value: string): TraceState {
    const members: [string, string][] = [[key, value], ...this.members.filter(([k]) => k !== key)];
    return new W3CTraceState(members.slice(0, 32));
  }

  unset(key: string): TraceState {
    return new W3CTraceState(this.members.filter(([k]) => k !== key));
  }

  get(key: string): string | undefined {
    return this.members.find(([k]) => k === key)?.[1];
  }

  serialize(): string {
    return this.members.map(([k, v]) => `${k}=${v}`).join(",");
  }
}
