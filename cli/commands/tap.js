import { UsageError } from "../errors.js";

/** @type {import("../command.js").Command} */
export default {
  name: "tap",
  summary: "Stream live requests to a service as they pass the mesh",
  usage: "isthmus tap SERVICE [--max N] [-o json]",
  description: "Prints one line per request until interrupted (Ctrl-C) or --max requests were seen.",
  options: {
    max: { type: "string", value: "N", description: "stop after N requests" },
    output: { type: "string", short: "o", value: "FORMAT", description: "json: one JSON object per line" },
  },
  args: [1, 1],
  server: true,
  async run({ values, args, io, out, colour, client }) {
    const max = values.max === undefined ? Infinity : Number(values.max);
    if (!(max > 0) || (!Number.isInteger(max) && max !== Infinity)) throw new UsageError(`--max ${values.max}: give a positive whole number`);
    if (values.output && values.output !== "json") throw new UsageError(`-o ${values.output}: only json is supported`);
    const api = await client();
    const controller = new AbortController();
    io.signal?.addEventListener("abort", () => controller.abort(), { once: true });
    const response = await api.send("GET", "/v1/tap", { query: { service: args[0] }, accept: "text/event-stream", signal: controller.signal });
    if (!response.body) return 0;
    let seen = 0;
    try {
      for await (const event of serverSentEvents(response.body)) {
        if (event.event && event.event !== "message" && event.event !== "request") continue;
        out(values.output === "json" ? `${event.data}\n` : describe(event.data, colour));
        if (++seen >= max) break;
      }
    } catch (error) {
      if (!controller.signal.aborted) throw error;
    } finally {
      controller.abort();
    }
    return 0;
  },
};

/**
 * Parse a text/event-stream body into events (`event`, `data` joined by newlines).
 * @param {ReadableStream<Uint8Array>} body
 * @returns {AsyncGenerator<{ event?: string, data: string }>}
 */
export async function* serverSentEvents(body) {
  const decoder = new TextDecoder();
  let buffer = "";
  /** @type {{ event?: string, data: string[] }} */
  let current = { data: [] };
  for await (const chunk of /** @type {AsyncIterable<Uint8Array>} */ (/** @type {unknown} */ (body))) {
    buffer += decoder.decode(chunk, { stream: true });
    let nl;
    while ((nl = buffer.search(/\r?\n/)) !== -1) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(buffer[nl] === "\r" ? nl + 2 : nl + 1);
      if (line === "") {
        if (current.data.length) yield { event: current.event, data: current.data.join("\n") };
        current = { data: [] };
      } else if (!line.startsWith(":")) {
        const colon = line.indexOf(":");
        const field = colon === -1 ? line : line.slice(0, colon);
        const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "data") current.data.push(value);
        else if (field === "event") current.event = value;
      }
    }
  }
}

/** One request as a line: time, source -> destination, method path, status, flags, duration. @param {string} data @param {import("../command.js").Context["colour"]} colour */
function describe(data, colour) {
  let r;
  try {
    r = JSON.parse(data);
  } catch {
    return `${data}\n`;
  }
  const status = Number(r.status ?? r.response_code ?? r.responseCode);
  const paint = status >= 500 ? colour.red : status >= 400 ? colour.yellow : colour.green;
  const time = r.timestamp ?? r.time ?? r.startTime ?? "";
  const source = r.source ?? r.source_workload ?? r.sourceWorkload ?? "-";
  const destination = [r.destination ?? r.destination_service ?? r.destinationService ?? "", r.version ?? r.destination_version ?? r.destinationVersion].filter(Boolean).join(" ");
  const flags = r.flags ?? r.response_flags ?? r.responseFlags ?? "-";
  const duration = r.durationMs ?? r.duration ?? r.latencyMs;
  return `${time} ${source} -> ${destination} ${r.method ?? ""} ${r.path ?? ""} ${paint(String(Number.isNaN(status) ? "-" : status))} ${flags}${duration !== undefined ? ` ${duration}ms` : ""}\n`.replace(/ +/g, " ");
}
