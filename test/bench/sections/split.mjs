// Split accuracy and stickiness through the gateway: 10,000 requests without a user (the
// smooth weighted round-robin), then users with the `end-user` header the DestinationRule
// hashes on, each asking several times (weighted rendezvous hashing).
import http from "node:http";
import { get } from "../load.mjs";
import { HIT, SPLIT } from "../configs/resources.mjs";
import { maxDeviationPoints } from "../stats.mjs";

const versionOf = (pod) => String(pod ?? "").split("-").pop();

async function inParallel(total, concurrency, one, relieve) {
  let next = 0;
  let pausing;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < total) {
      const i = next++;
      if (i % 500 === 0) pausing = relieve();
      await pausing;
      await one(i);
    }
  }));
}

export async function measureSplit(gatewayUrl, host, { requests = 10_000, users = 1_000, perUser = 10, relieve = async () => {} } = {}) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  const url = `${gatewayUrl}${HIT.path}`;
  let failed = 0;
  try {
    const counts = {};
    await inParallel(requests, 8, async () => {
      const { status, headers } = await get(url, { agent, headers: { host, ...HIT.headers } });
      if (status !== 200) failed++;
      const v = versionOf(headers["x-pod"]);
      counts[v] = (counts[v] ?? 0) + 1;
    }, relieve);

    const seen = new Map();
    await inParallel(users * perUser, 8, async (i) => {
      const user = `user-${i % users}`;
      const { status, headers } = await get(url, { agent, headers: { host, ...HIT.headers, "end-user": user } });
      if (status !== 200) failed++;
      const set = seen.get(user) ?? new Set();
      set.add(versionOf(headers["x-pod"]));
      seen.set(user, set);
    }, relieve);
    const switched = [...seen.values()].filter((s) => s.size > 1).length;
    const byUser = {};
    for (const s of seen.values()) for (const v of s) byUser[v] = (byUser[v] ?? 0) + 1;
    return {
      requests,
      counts,
      deviation: maxDeviationPoints(counts, SPLIT),
      users,
      perUser,
      switchedShare: switched / users,
      byUser,
      userDeviation: maxDeviationPoints(byUser, SPLIT),
      failed,
    };
  } finally {
    agent.destroy();
  }
}
