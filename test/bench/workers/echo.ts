// The trivial service every configuration ends at: the floor of the benchmark. It names
// the version that answered (vars SERVICE, VERSION), as Bookinfo's podname does.
export interface EchoEnv {
  SERVICE?: string;
  VERSION?: string;
}

export const echo = {
  async fetch(request: Request, env: EchoEnv): Promise<Response> {
    const { pathname } = new URL(request.url);
    const pod = `${env.SERVICE ?? "echo"}-${env.VERSION ?? "v1"}`;
    return new Response(JSON.stringify({ podname: pod, path: pathname }), {
      headers: { "content-type": "application/json", "x-pod": pod },
    });
  },
};

export default echo;
