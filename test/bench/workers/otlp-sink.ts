// A local OTLP/HTTP collector for the telemetry-on column: accepts span exports, counts
// requests and bytes (GET /count), keeps nothing.
let exports = 0;
let bytes = 0;

export default {
  async fetch(request: Request): Promise<Response> {
    if (request.method === "GET") return Response.json({ exports, bytes });
    bytes += (await request.arrayBuffer()).byteLength;
    exports++;
    return new Response(null, { status: 200 });
  },
};
