import { NAMESPACE_OPTION } from "../command.js";
import { UsageError } from "../errors.js";

/** The control plane serves one tap for at most this long; we reconnect to go on. */
const SESSION_SECONDS = 300;

/** @type {import("../command.js").Command} */
export default {
  name: "tap",
  summary: "Stream live requests to a service as they pass the mesh",
  usage: "isthmus tap SERVICE [-n NS] [--max N] [--seconds S] [-o json]",
  examples: [
    ["isthmus tap reviews", "follow requests to reviews live"],
    ["isthmus tap reviews --max 20 -o json", "20 requests, one JSON object per line"],
  ],
  description: `Prints one line per request until interrupted (Ctrl-C), --max requests were seen or
--seconds passed. Data-plane isolates learn of a new tap at their next telemetry flush
(a few seconds), so the first requests may take a moment to show.`,
  options: {
    namespace: NAMESPACE_OPTION,
    max: { type: "string", value: "N", description: "stop after N requests" },
    seconds: { type: "string", value: "S", description: "stop after S seconds" },
    output: { type: "string", short: "o", value: "FORMAT", description: "json: one JSON object per line" },
  },
  args: [1, 1],
  server: true,
  async run({ values, args, io, out, colour, client }) {
    const max = positive(values.max, "--max") ?? Infinity;
    const seconds = positive(values.seconds, "--seconds");
    if (values.output && values.output !== "json") throw new UsageError(`-o ${values.output}: only json is supported`);
    const api = await client();
    const deadline = seconds === undefined ? Infinity : Date.now() + seconds * 1000;
    const controller = new AbortController();
    io.signal?.addEventListener("abort", () => controller.abort(), { once: true });
    let seen = 0;
    try {
      while (seen < max && Date.now() < deadline && !controller.signal.aborted) {
        const left = Math.min(SESSION_SECONDS, Math.ceil((deadline - Date.now()) / 1000));
        const response = await api.send("GET", "/v1/tap", { query: { service: args[0], namespace: values.namespace, seconds: left }, accept: "text/event-stream", signal: controller.signal });
        if (!response.body) break;
        for await (const event of serverSentEvents(response.body)) {
          if (event.event !== "request") continue;
          out(values.output === "json" ? `${event.data}\n` : describe(event.data, colour));
          if (++seen >= max) break;
        }
      }
    } catch (error) {
      if (!controller.signal.aborted) throw error;
    } finally {
      controller.abort();
    }
    return 0;
  },
};

/** @param {string | undefined} value @param {string} flag */
function positive(value, flag) {
  if (value === undefined) return undefined;
  if (!/^[1-9]\d*$/.test(value)) throw new UsageError(`${flag} ${value}: give a positive whole number`);
  return Number(value);
}

/**
 * Parse a text/event-stream body into events (`event`, `data` joined by newlines).
 * @param {ReadableStream<Uint8Array>} body
 * @returns {AsyncGenerator<{ event: string, data: string }>}
 */
export async function* serverSentEvents(body) {
  const decoder = new TextDecoder();
  let buffer = "";
  let event = "message";
  /** @type {string[]} */
  let data = [];
  for await (const chunk of /** @type {AsyncIterable<Uint8Array>} */ (/** @type {unknown} */ (body))) {
    buffer += decoder.decode(chunk, { stream: true });
    let nl;
    while ((nl = buffer.search(/\r?\n/)) !== -1) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(buffer[nl] === "\r" ? nl + 2 : nl + 1);
      if (line === "") {
        if (data.length) yield { event, data: data.join("\n") };
        event = "message";
        data = [];
      } else if (!line.startsWith(":")) {
        const colon = line.indexOf(":");
        const field = colon === -1 ? line : line.slice(0, colon);
        const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "data") data.push(value);
        else if (field === "event") event = value;
      }
    }
  }
}

/**
 * One request per line, like `linkerd viz tap`: time, source -> destination version,
 * method path, status, response flags, duration.
 * @param {string} data @param {import("../command.js").Context["colour"]} colour
 */
function describe(data, colour) {
  const r = JSON.parse(data);
  const paint = r.responseCode >= 500 ? colour.red : r.responseCode >= 400 ? colour.yellow : colour.green;
  return `${r.time} ${r.source} -> ${r.destination} ${r.destinationVersion} ${r.method} ${r.path} ${paint(String(r.responseCode))} ${r.responseFlags} ${r.durationMs}ms\n`;
}
