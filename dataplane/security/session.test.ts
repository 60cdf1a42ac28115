import { describe, expect, it } from "vitest";
import { generateAgreementKey, pairKey, verifyAttestation } from "./key-agreement.ts";
import { SessionError, SessionTable, sessionHeaderValue, sessionTags, tagsEqual, type PeerSession } from "./session.ts";
import { generateWorkloadKey } from "./workload-key.ts";
import { PeerKeys } from "./peer-keys.ts";

// One isolate's caches of peer keys (imported keys, attestations, pair keys).
const keys = new PeerKeys();
const CALLER = "spiffe://cluster.local/ns/default/sa/front";
const CALLEE = "spiffe://cluster.local/ns/default/sa/target";
const NOW = 1_700_000_000_000;

async function isolate() {
  const workload = await generateWorkloadKey();
  return { workload, agreement: await generateAgreementKey(workload) };
}

/** The pair key as each side derives it, from the other's attestation. */
async function pair() {
  const [caller, callee] = await Promise.all([isolate(), isolate()]);
  const parties = { caller: CALLER, callee: CALLEE };
  const calleeKey = await verifyAttestation(callee.agreement.attestation, callee.workload.thumbprint, keys);
  const callerKey = await verifyAttestation(caller.agreement.attestation, caller.workload.thumbprint, keys);
  return {
    callerSide: await pairKey(caller.agreement, calleeKey, parties, "caller", keys),
    calleeSide: await pairKey(callee.agreement, callerKey, parties, "callee", keys),
  };
}

function reason(check: () => unknown): string {
  try {
    check();
    return "accepted";
  } catch (error) {
    if (error instanceof SessionError) return error.code;
    throw error;
  }
}

async function openSession(over: Partial<PeerSession> = {}) {
  const { calleeSide } = await pair();
  const session: PeerSession = { ...(await sessionTags(calleeSide)), caller: CALLER, callee: CALLEE, expiresAtMs: NOW + 60_000, ...over };
  const table = new SessionTable();
  table.open(session);
  return { session, table };
}

const notRevoked = () => false;

describe("session derivation", () => {
  it("caller and callee derive the same id and tags from their pair key, distinct from each other and from another pair's", async () => {
    const one = await pair();
    const [caller, callee] = await Promise.all([sessionTags(one.callerSide), sessionTags(one.calleeSide)]);
    expect(caller).toEqual(callee);
    expect(caller.id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(caller.callerTag).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(new Set([caller.id, caller.callerTag, caller.calleeTag]).size).toBe(3);
    const other = await sessionTags((await pair()).callerSide);
    expect(other.id).not.toBe(caller.id);
    expect(other.callerTag).not.toBe(caller.callerTag);
    // Once per key: the same promise, no second derivation.
    expect(sessionTags(one.callerSide)).toBe(sessionTags(one.callerSide));
  });
});

describe("tagsEqual", () => {
  it("is true for equal strings only, whatever position differs, and false for other lengths", () => {
    const tag = "abcdefghijklmnopqrstuvwxyz0123456789-_ABCDE";
    expect(tagsEqual(tag, tag)).toBe(true);
    for (const at of [0, 20, tag.length - 1]) expect(tagsEqual(`${tag.slice(0, at)}!${tag.slice(at + 1)}`, tag), String(at)).toBe(false);
    expect(tagsEqual(tag.slice(1), tag)).toBe(false);
    expect(tagsEqual(`${tag}A`, tag)).toBe(false);
    expect(tagsEqual("", tag)).toBe(false);
  });
});

describe("SessionTable", () => {
  it("accepts the session's own header for its callee, with the caller it was opened for", async () => {
    const { session, table } = await openSession();
    expect(table.check(sessionHeaderValue(session), CALLEE, notRevoked, NOW).caller).toBe(CALLER);
  });

  it("refuses a forged tag, an unknown id, another callee's session and malformed headers, each with its reason", async () => {
    const { session, table } = await openSession();
    const header = sessionHeaderValue(session);
    const cases: [string, string, string][] = [
      ["another tag", `${session.id}.${session.calleeTag}`, "session_mismatch"],
      ["tag one character off", `${header.slice(0, -1)}${header.endsWith("A") ? "B" : "A"}`, "session_mismatch"],
      ["tag cut short", header.slice(0, -1), "session_mismatch"],
      ["unknown id", `AAAAAAAAAAAAAAAAAAAAAA.${session.callerTag}`, "session_unknown"],
      ["no dot", session.callerTag, "session_malformed"],
      ["empty id", `.${session.callerTag}`, "session_malformed"],
      ["oversized", `${session.id}.${"A".repeat(200)}`, "session_malformed"],
    ];
    for (const [name, value, expected] of cases) expect(reason(() => table.check(value, CALLEE, notRevoked, NOW)), name).toBe(expected);
    expect(reason(() => table.check(header, "spiffe://cluster.local/ns/default/sa/other", notRevoked, NOW))).toBe("session_unknown");
  });

  it("ends a session at the earlier SVID expiry it was opened with, and forgets it", async () => {
    const { session, table } = await openSession({ expiresAtMs: NOW + 1000 });
    const header = sessionHeaderValue(session);
    expect(reason(() => table.check(header, CALLEE, notRevoked, NOW + 999))).toBe("accepted");
    expect(reason(() => table.check(header, CALLEE, notRevoked, NOW + 1000))).toBe("session_expired");
    expect(reason(() => table.check(header, CALLEE, notRevoked, NOW))).toBe("session_unknown");
  });

  it("renews a session reopened with a later expiry (a later exchange over the same pair key)", async () => {
    const { session, table } = await openSession({ expiresAtMs: NOW + 1000 });
    table.open({ ...session, expiresAtMs: NOW + 5000 });
    expect(reason(() => table.check(sessionHeaderValue(session), CALLEE, notRevoked, NOW + 2000))).toBe("accepted");
  });

  it("refuses the session of a revoked caller as soon as the revocation is known", async () => {
    const { session, table } = await openSession();
    const revoked = new Set<string>();
    const isRevoked = (id: string) => revoked.has(id);
    expect(reason(() => table.check(sessionHeaderValue(session), CALLEE, isRevoked, NOW))).toBe("accepted");
    revoked.add(CALLER);
    expect(reason(() => table.check(sessionHeaderValue(session), CALLEE, isRevoked, NOW))).toBe("revoked");
  });

  it("holds at most its capacity, forgetting the oldest session first", async () => {
    const { calleeSide } = await pair();
    const tags = await sessionTags(calleeSide);
    const table = new SessionTable(3);
    const sessions = [0, 1, 2, 3].map((i) => ({ ...tags, id: `session-${i}`, caller: CALLER, callee: CALLEE, expiresAtMs: NOW + 60_000 }));
    for (const session of sessions) table.open(session);
    expect(table.size).toBe(3);
    expect(reason(() => table.check(sessionHeaderValue(sessions[0]!), CALLEE, notRevoked, NOW))).toBe("session_unknown");
    for (const session of sessions.slice(1)) expect(reason(() => table.check(sessionHeaderValue(session), CALLEE, notRevoked, NOW))).toBe("accepted");
  });
});
