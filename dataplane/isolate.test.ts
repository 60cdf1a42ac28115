import { describe, expect, it } from "vitest";
import type { TrafficPolicy } from "../resources/destination-rule.ts";
import type { MeshEndpoint } from "./config/compiled.ts";
import { ISOLATE_CACHE_LIMITS, IsolateState } from "./isolate.ts";
import type { OutboundCall } from "./outbound/call.ts";
import { circuitBreaker } from "./outbound/circuit-breaker.ts";
import { chooseEndpoint } from "./outbound/endpoint.ts";
import { retry } from "./outbound/retry.ts";
import { OverflowError } from "./traffic/mesh-error.ts";
import { generateAgreementKey, pairKey, verifyAttestation } from "./security/key-agreement.ts";
import { checkRequestProof, requestProof } from "./security/proofs.ts";
import { SessionError, sessionHeaderValue, sessionTags } from "./security/session.ts";
import { generateWorkloadKey, ProofError } from "./security/workload-key.ts";

const endpoints: MeshEndpoint[] = ["a", "b", "c"].map((name) => ({ address: `worker://${name}`, labels: {}, weight: 1, key: `default/svc/worker://${name}`, healthy: true }));
const service = { host: "svc.default.svc.cluster.local", name: "svc", namespace: "default", ports: [], endpoints };

const ROUND_ROBIN: TrafficPolicy = { loadBalancer: { simple: "ROUND_ROBIN" } };

function callIn(isolate: IsolateState, key: string, policy: TrafficPolicy = ROUND_ROBIN, among = endpoints): OutboundCall {
  return {
    isolate,
    destination: { service },
    source: { namespace: "default", labels: {} },
    scopes: ["mesh"],
    flags: [],
    attempts: 0,
    mesh: { subset: () => ({ key, endpoints: among, policy }), destinationRule: () => undefined },
  } as unknown as OutboundCall;
}

const ok = async () => new Response("ok");

async function picked(call: OutboundCall): Promise<string> {
  await chooseEndpoint(new Request("http://svc/"), call, ok);
  return call.endpoint!.address;
}

describe("IsolateState", () => {
  it("is not shared between two runtimes in one process: balancer positions and slots are each their own", async () => {
    const [one, two] = [new IsolateState(), new IsolateState()];
    // Round robin over two endpoints, picks interleaved: with one shared position the first
    // runtime would get the same endpoint twice; with its own it gets both.
    const pair = endpoints.slice(0, 2);
    const firsts = [await picked(callIn(one, "svc|", ROUND_ROBIN, pair)), await picked(callIn(two, "svc|", ROUND_ROBIN, pair))];
    const seconds = [await picked(callIn(one, "svc|", ROUND_ROBIN, pair)), await picked(callIn(two, "svc|", ROUND_ROBIN, pair))];
    expect(seconds[0]).not.toBe(firsts[0]);
    expect(seconds[1]).not.toBe(firsts[1]);
    expect(one.subsets.get("svc|")).not.toBe(two.subsets.get("svc|"));

    const limited: TrafficPolicy = { ...ROUND_ROBIN, connectionPool: { http: { http2MaxRequests: 1 } } };
    let release!: () => void;
    const held = circuitBreaker(new Request("http://svc/"), callIn(one, "svc|", limited), () => new Promise<Response>((resolve) => (release = () => resolve(new Response("ok")))));
    await expect(circuitBreaker(new Request("http://svc/"), callIn(one, "svc|", limited), ok)).rejects.toBeInstanceOf(OverflowError);
    // One request in flight in the first runtime takes no slot from the second.
    expect(await (await circuitBreaker(new Request("http://svc/"), callIn(two, "svc|", limited), ok)).text()).toBe("ok");
    release();
    await held;
    expect(one.connectionSlots.size).toBe(0);
  });

  it("keeps at most ISOLATE_CACHE_LIMITS.subsets subset states, forgetting the oldest", async () => {
    const isolate = new IsolateState();
    const cap = ISOLATE_CACHE_LIMITS.subsets;
    await picked(callIn(isolate, "svc|0"));
    const oldest = isolate.subsets.get("svc|0");
    for (let i = 1; i < cap + 10; i++) await picked(callIn(isolate, `svc|${i}`));
    expect(isolate.subsets.size).toBe(cap);
    expect(isolate.subsets.has("svc|0")).toBe(false);
    expect(isolate.subsets.has(`svc|${cap + 9}`)).toBe(true);
    // An evicted subset gets a new balancer on its next request.
    await picked(callIn(isolate, "svc|0"));
    expect(isolate.subsets.get("svc|0")).not.toBe(oldest);
    expect(isolate.subsets.size).toBe(cap);
  });

  it("keeps at most ISOLATE_CACHE_LIMITS.retryBudgets retry budgets, and no retry counter once retries are done", async () => {
    const isolate = new IsolateState();
    const cap = ISOLATE_CACHE_LIMITS.retryBudgets;
    const retried: TrafficPolicy = { connectionPool: { http: { maxRetries: 5 } } };
    for (let i = 0; i < cap + 5; i++) {
      const call = callIn(isolate, `svc${i}|`, retried);
      Object.assign(call, { destination: { service: { ...service, host: `svc${i}.default.svc.cluster.local` } }, route: { route: { retries: { attempts: 1, retryOn: "5xx", backoff: "1ms" } } } });
      // A few retried (each takes and gives back a maxRetries slot), the rest answered at once.
      let tries = i < 3 ? 0 : 1;
      const answer = await retry(new Request("http://svc/"), call, async () => new Response(null, { status: tries++ === 0 ? 503 : 200 }));
      expect(answer.status).toBe(200);
    }
    expect(isolate.retryBudgets.size).toBe(cap);
    expect(isolate.retryBudgets.has("svc0.default.svc.cluster.local")).toBe(false);
    expect(isolate.outstandingRetries.size).toBe(0);
  });

  it("does not share identity state between two runtimes: a proof replayed to the other is its first, a session one opened is unknown to the other", async () => {
    const [one, two] = [new IsolateState(), new IsolateState()];
    const caller = await generateWorkloadKey();
    const request = new Request("http://reviews:9080/reviews/1");
    const proof = await requestProof(caller, request, "svid");
    const check = (isolate: IsolateState) =>
      checkRequestProof(proof, request, "svid", caller.thumbprint, Date.now(), isolate.security).then(
        () => "accepted",
        (error: ProofError) => error.code,
      );
    expect(await check(one)).toBe("accepted");
    expect(await check(one)).toBe("proof_replayed");
    expect(await check(two)).toBe("accepted");

    // The callee side of a session, opened in the first runtime over a real pair key.
    const callerAgreement = await generateAgreementKey(caller);
    const callee = await generateAgreementKey(await generateWorkloadKey());
    const parties = { caller: "spiffe://cluster.local/ns/default/sa/a", callee: "spiffe://cluster.local/ns/default/sa/b" };
    const attested = await verifyAttestation(callerAgreement.attestation, caller.thumbprint, one.security.peerKeys);
    const key = await pairKey(callee, attested, parties, "callee", one.security.peerKeys);
    const session = { ...(await sessionTags(key)), ...parties, expiresAtMs: Date.now() + 60_000 };
    one.security.acceptedSessions.open({ ...session, peer: { principal: parties.caller } });
    const header = sessionHeaderValue(session);
    const notRevoked = () => false;
    expect(one.security.acceptedSessions.check(header, parties.callee, notRevoked).caller).toBe(parties.caller);
    expect(() => two.security.acceptedSessions.check(header, parties.callee, notRevoked)).toThrow(new SessionError("session_unknown", "this isolate holds no such session; make the full exchange"));
    // Nor did the second runtime learn the caller's attestation or the pair key.
    expect(one.security.peerKeys.attestations.size).toBe(1);
    expect(one.security.peerKeys.pairKeys.size).toBe(1);
    expect(two.security.peerKeys.attestations.size + two.security.peerKeys.pairKeys.size).toBe(0);
    expect(two.security.credentials).not.toBe(one.security.credentials);
  });

  it("builds its config cache once, and another isolate builds its own", () => {
    const env = { ISTHMUS_CONTROL_URL: "http://127.0.0.1:1" };
    const [one, two] = [new IsolateState(), new IsolateState()];
    expect(one.config(env)).toBe(one.config(env));
    expect(two.config(env)).not.toBe(one.config(env));
  });
});
