// A gateway with no mesh layers: one service-binding hop, the platform's own cost.
interface Env {
  UPSTREAM: Fetcher;
}
export default {
  fetch(request: Request, env: Env): Promise<Response> {
    return env.UPSTREAM.fetch(request);
  },
};
