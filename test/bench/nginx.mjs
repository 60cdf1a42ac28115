// nginx as the conventional alternative: split_clients 90/10 across two upstreams.
import { spawn } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Starts nginx on 127.0.0.1:`port` splitting 90/10 between two upstream ports. */
export async function startNginxSplit({ port, upstreamA, upstreamB }) {
  const dir = await mkdtemp(join(tmpdir(), "isthmus-bench-nginx-"));
  const conf = `
worker_processes 1;
daemon off;
error_log ${dir}/error.log warn;
pid ${dir}/nginx.pid;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream v1 { server 127.0.0.1:${upstreamA}; keepalive 64; }
  upstream v2 { server 127.0.0.1:${upstreamB}; keepalive 64; }
  split_clients "$request_id" $backend { 90% v1; * v2; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_pass http://$backend;
    }
  }
}`;
  await writeFile(join(dir, "nginx.conf"), conf);
  // Something already answering there (e.g. an nginx an interrupted run left behind) would
  // be measured instead, with stale upstreams.
  const taken = await fetch(`http://127.0.0.1:${port}/`).then((r) => r.arrayBuffer().then(() => true), () => false);
  if (taken) throw new Error(`127.0.0.1:${port} already answers: stop whatever listens there (an nginx left by an interrupted bench run?)`);
  const child = spawn("nginx", ["-c", join(dir, "nginx.conf"), "-p", dir], { stdio: "ignore" });
  for (let i = 0; i < 50; i++) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/`);
      await r.arrayBuffer();
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    stop: () =>
      new Promise((resolve) => {
        child.once("exit", resolve);
        child.kill("SIGQUIT");
      }),
  };
}
