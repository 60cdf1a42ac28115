import { InvalidSpiffeIdError, parseSpiffeId } from "../../identity/spiffe-id.ts";
import type { OutboundLayer } from "../outbound/call.ts";
import { requestUrl } from "../request-url.ts";
import { certificateAccepted, tlsClientAuthOf, type TlsClientAuth } from "../edge/tls-client-auth.ts";
import { edgePeer } from "./edge-peer.ts";

/** Env that enables client-certificate identities at the gateway. */
export interface ClientCertificateEnv {
  /**
   * The issuer DN (as Cloudflare prints `certIssuerDN`) of the mesh CA whose client
   * certificates name workloads. Unset: TLS client-certificate facts are ignored.
   */
  ISTHMUS_CLIENT_CA_ISSUER_DN?: string;
}

/**
 * The SPIFFE ID of a client certificate Cloudflare verified at the edge (mTLS on the zone,
 * with the mesh root uploaded). Cloudflare passes the verdict and the subject and issuer
 * DNs, not the URI SAN, so the identity is taken from the subject's `CN` when it is a
 * SPIFFE ID in `trustDomain`, and only when the issuer is the configured mesh CA.
 */
export function clientCertificateIdentity(auth: TlsClientAuth | undefined, issuerDn: string | undefined, trustDomain: string): string | undefined {
  if (!issuerDn || !certificateAccepted(auth) || auth.certIssuerDN !== issuerDn) return undefined;
  const cn = /(?:^|,)\s*CN=([^,]+)/.exec(auth.certSubjectDN ?? "")?.[1]?.trim();
  if (!cn) return undefined;
  try {
    const id = parseSpiffeId(cn);
    return id.trustDomain === trustDomain ? id.id : undefined;
  } catch (error) {
    if (error instanceof InvalidSpiffeIdError) return undefined;
    throw error;
  }
}

/**
 * Gateway edge: a verified mesh client certificate makes its SPIFFE ID the caller's principal.
 * Only on the HTTPS listener: a plain-HTTP request had no TLS handshake, so whatever its `cf`
 * says about one (workerd's local sockets take `cf` from a request header) is not believed.
 */
export const clientCertificateEdge: OutboundLayer = (request, call, next) => {
  if (requestUrl(request).protocol !== "https:") return next(request, call);
  const id = clientCertificateIdentity(
    tlsClientAuthOf(request),
    (call.env as ClientCertificateEnv).ISTHMUS_CLIENT_CA_ISSUER_DN,
    call.mesh.snapshot.trustDomain,
  );
  if (id) {
    const segments = parseSpiffeId(id).path.split("/");
    Object.assign(edgePeer(call), { principal: id, namespace: segments[1] === "ns" ? segments[2] : undefined });
  }
  return next(request, call);
};
