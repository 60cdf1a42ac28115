// The trivial service every configuration ends at: the floor of the benchmark.
export default {
  async fetch(request: Request): Promise<Response> {
    const { pathname } = new URL(request.url);
    return new Response(JSON.stringify({ podname: "echo-v1", path: pathname }), {
      headers: { "content-type": "application/json" },
    });
  },
};
