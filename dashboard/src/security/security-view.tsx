import { useEffect, useRef, useState } from "preact/hooks";
import { useSigned } from "../context.ts";
import type { CaInfo, Identity } from "../types.ts";
import { countdown, formatTime } from "../ui/format.ts";
import { usePoll } from "../ui/poll.ts";
import { samplesOf, sumBy } from "./metrics-text.ts";

const AUTHN = "isthmus_authn_failures_total";
const AUTHZ = "isthmus_authz_denials_total";

/** Ticks every second, for countdowns. */
function useNow(): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  return now;
}

export function SecurityView() {
  const { api } = useSigned();
  const ca = usePoll(() => api.get<CaInfo>("/v1/ca"), 30_000, []);
  const identities = usePoll(() => api.get<{ items: Identity[] }>("/v1/identities"), 30_000, []);
  const now = useNow();
  return (
    <section aria-labelledby="security-title">
      <h1 id="security-title">Security</h1>
      {ca.error && <p class="error">{ca.error}</p>}
      {ca.data && (
        <>
          <dl class="facts">
            <dt>Trust domain</dt>
            <dd data-testid="trust-domain">{ca.data.trustDomain}</dd>
            <dt>CA key protection</dt>
            <dd>{ca.data.keyProtection === "secret" ? "sealed with ISTHMUS_CA_WRAPPING_KEY" : "generated development key (not for production)"}</dd>
            <dt>Trust bundle sequence</dt>
            <dd>{ca.data.bundleSequence}</dd>
            <dt>Revoked identities</dt>
            <dd>{ca.data.revoked.length === 0 ? "none" : ca.data.revoked.join(", ")}</dd>
          </dl>
          <section aria-labelledby="authorities-title" class="panel">
            <h2 id="authorities-title">Certificate authorities</h2>
            <table>
              <thead>
                <tr>
                  <th scope="col">Role</th>
                  <th scope="col">Subject</th>
                  <th scope="col">Source</th>
                  <th scope="col">State</th>
                  <th scope="col">Expires</th>
                  <th scope="col">Expires in</th>
                </tr>
              </thead>
              <tbody>
                {ca.data.authorities.map((a) => (
                  <tr key={`${a.role}/${a.subject}/${a.notAfter}`}>
                    <td>
                      {a.role}
                      {a.issuing ? " (issuing)" : ""}
                    </td>
                    <td>{a.subject}</td>
                    <td>{a.source}</td>
                    <td>{a.state}</td>
                    <td>{formatTime(a.notAfter)}</td>
                    <td class="num" data-testid="expiry-countdown">
                      {countdown((Date.parse(a.notAfter) - now) / 1000)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
          <section aria-labelledby="jwt-title" class="panel">
            <h2 id="jwt-title">JWT-SVID signing keys</h2>
            <p>
              Rotation every {countdown(ca.data.jwtRotation.periodSeconds)}; next rotation{" "}
              {ca.data.jwtRotation.nextRotationAt
                ? `in ${countdown((Date.parse(ca.data.jwtRotation.nextRotationAt) - now) / 1000)} (${formatTime(ca.data.jwtRotation.nextRotationAt)})`
                : "not scheduled"}
              .
            </p>
            <ul>
              {ca.data.jwtKeys.map((k) => (
                <li key={k.kid}>
                  <code>{k.kid}</code> {k.state}, created {formatTime(k.createdAt)}
                  {k.retireAt ? `, leaves the bundle in ${countdown((Date.parse(k.retireAt) - now) / 1000)}` : ""}
                </li>
              ))}
            </ul>
          </section>
          {ca.data.findings.length > 0 && (
            <section aria-labelledby="ca-findings-title" class="panel">
              <h2 id="ca-findings-title">CA findings</h2>
              <ul>
                {ca.data.findings.map((f, i) => (
                  <li key={i} class={f.severity === "error" ? "error" : ""}>
                    {f.message}
                  </li>
                ))}
              </ul>
            </section>
          )}
        </>
      )}
      <section aria-labelledby="identities-title" class="panel">
        <h2 id="identities-title">Workload identities</h2>
        {identities.error && <p class="error">{identities.error}</p>}
        <table>
          <thead>
            <tr>
              <th scope="col">SPIFFE ID</th>
              <th scope="col">Attestation</th>
              <th scope="col">Created</th>
              <th scope="col">Last issuance</th>
              <th scope="col">Join tokens</th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {identities.data?.items.map((identity) => (
              <tr key={identity.spiffeId}>
                <td>
                  <code>{identity.spiffeId}</code>
                </td>
                <td>{identity.attestation}</td>
                <td>{formatTime(identity.createdAt)}</td>
                <td>{identity.lastIssuedAt ? formatTime(identity.lastIssuedAt) : identity.lastIssuedAt === null ? "never" : "not reported"}</td>
                <td class="num">{identity.activeJoinTokens}</td>
                <td>{identity.revokedAt ? <span class="status bad">revoked {formatTime(identity.revokedAt)}</span> : <span class="status ok">active</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <Failures />
    </section>
  );
}

// /metrics holds totals since the Telemetry object started; the page also shows what
// changed since it was opened, as the "recent" failures.
function Failures() {
  const { api } = useSigned();
  const first = useRef<Map<string, number> | null>(null);
  const failures = usePoll(
    async () => {
      const samples = samplesOf(await api.text("/metrics"), [AUTHN, AUTHZ]);
      const rows = new Map<string, number>();
      for (const [reason, value] of sumBy(samples.filter((s) => s.name === AUTHN), "reason")) rows.set(`authentication: ${reason}`, value);
      for (const [policy, value] of sumBy(samples.filter((s) => s.name === AUTHZ), "policy")) rows.set(`authorization denied by ${policy}`, value);
      first.current ??= new Map(rows);
      return rows;
    },
    10_000,
    [],
  );
  return (
    <section aria-labelledby="failures-title" class="panel">
      <h2 id="failures-title">Authentication and authorization failures</h2>
      {failures.error && <p class="error">{failures.error}</p>}
      {failures.data && failures.data.size === 0 && <p>No request has been refused by authentication or authorization.</p>}
      {failures.data && failures.data.size > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">Reason</th>
              <th scope="col">Since this page opened</th>
              <th scope="col">Total</th>
            </tr>
          </thead>
          <tbody>
            {[...failures.data].map(([reason, value]) => (
              <tr key={reason}>
                <td>{reason}</td>
                <td class="num">{value - (first.current?.get(reason) ?? 0)}</td>
                <td class="num">{value}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
