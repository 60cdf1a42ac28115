// Scaling curves: per-request cost through the gateway as routes (the late route is hit),
// regex routes (every one a candidate: one RE2 full match each per request), services in the
// snapshot and AuthorizationPolicies on the workload grow, in the `scale` namespace; next to
// it the same operations timed in Node on the compiled matchers (for regexes, also the same
// patterns on re2js alone and on JavaScript's RegExp).
import { latencySamples, wrkThroughput } from "../load.mjs";
import { HIT, fillerPolicies, fillerServices, virtualService } from "../configs/resources.mjs";
import { SCALE, hostOf, namespaceOf } from "../configs/variants.mjs";
import { regexVirtualService } from "../micro/regex-routes.mjs";

const NS = namespaceOf(SCALE);
const HOST = hostOf(SCALE);

export async function measureScaling(mesh, micro, { counts, latencySeconds, seconds, connections, log }) {
  const points = [];
  const measure = async (dimension, count) => {
    const version = await mesh.snapshotVersion();
    await mesh.settle(version, { host: HOST });
    const url = `${mesh.urls.gw}${HIT.path}`;
    const headers = { host: HOST, ...HIT.headers };
    // The gateway routes by the new version; the services behind it pull it on their next
    // refresh and compile it once: let that pass (discarded) so the point is steady state.
    await latencySamples(url, { seconds: 1.5, headers });
    const latency = await latencySamples(url, { seconds: latencySeconds, headers });
    const { rps, stoppedEarly } = await wrkThroughput(url, { seconds, connections, headers, guard: mesh.workerd.guard() });
    await mesh.workerd.drain();
    if (stoppedEarly) log(`scaling ${dimension} ${count}: wrk stopped early (${stoppedEarly})`);
    const inNode = micro[`${dimension}Point`](count);
    points.push({ dimension, count, p50: latency.p50, p99: latency.p99, rps, failed: latency.failures, ...pick(inNode) });
    const engines = inNode.re2Ns === undefined ? "" : `; the ${inNode.examined} regexes alone: re2js ${(inNode.re2Ns / 1000).toFixed(1)} µs, JS RegExp ${(inNode.jsNs / 1000).toFixed(1)} µs`;
    log(`scaling ${dimension} ${count}: p50 ${latency.p50.toFixed(0)} µs, ${rps.toFixed(0)} rps, match in Node ${(inNode.nsPerRequest / 1000).toFixed(1)} µs${engines}`);
  };
  for (const count of counts) {
    await mesh.apply([virtualService(NS, HOST, count)]);
    await measure("routes", count);
  }
  for (const count of counts) {
    await mesh.apply([regexVirtualService(NS, HOST, count)]);
    await measure("regex", count);
  }
  await mesh.apply([virtualService(NS, HOST, 50)]);
  // Services and policies grow cumulatively (nothing is deleted between points).
  let had = 0;
  for (const count of counts) {
    await mesh.apply(fillerServices(NS, had, count));
    had = count;
    await measure("services", count);
  }
  had = 0;
  for (const count of counts) {
    await mesh.apply(fillerPolicies(NS, had, count));
    had = count;
    await measure("policies", count);
  }
  return points;
}

function pick({ nsPerRequest, compileMs, examined, re2Ns, jsNs }) {
  return { nodeNs: nsPerRequest, compileMs, examined, ...(re2Ns === undefined ? {} : { re2Ns, jsNs }) };
}
