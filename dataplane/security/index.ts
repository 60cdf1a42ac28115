// The security layers, ready for the stacks' slots: see docs/SECURITY.md for the protocol.
import type { InboundLayer } from "../inbound/call.ts";
import type { OutboundLayer } from "../outbound/call.ts";
import { authenticatePeer } from "./authenticate-peer.ts";
import { authorizeEdge, authorizeInbound } from "./authorize-layer.ts";
import { clientCertificateEdge } from "./client-certificate.ts";
import { outboundIdentity } from "./outbound-identity.ts";
import { requestAuthenticationEdge, requestAuthenticationInbound } from "./request-authentication.ts";

/** Inbound authenticate slot: the peer (JWT-SVID per PeerAuthentication), then the end user (RequestAuthentication). */
export const inboundAuthentication: InboundLayer = (request, call, next) =>
  authenticatePeer(request, call, (inner, c) => requestAuthenticationInbound(inner, c, next));

/** The inbound stack's security slots. */
export const inboundSecurity = { authenticate: inboundAuthentication, authorize: authorizeInbound } as const;

/** The outbound stack's identity slot. */
export const outboundSecurity = { identity: outboundIdentity } as const;

/** The gateway's edge layers: client-certificate identity, end-user JWT, AuthorizationPolicy. */
export const edgeSecurity: OutboundLayer[] = [clientCertificateEdge, requestAuthenticationEdge, authorizeEdge];

export { getPeer } from "./peer-context.ts";
export { bindPeer } from "./peer-context.ts";
export { PEER_HEADER } from "./credential-headers.ts";
