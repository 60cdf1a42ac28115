import { MeshError } from "../traffic/mesh-error.ts";
import { ResponseFlag } from "../traffic/response-flags.ts";

/**
 * What the TLS terminator verified about the client's certificate, as Cloudflare writes it
 * into `request.cf.tlsClientAuth` (API Shield mTLS) and the local HTTPS listener does after
 * its own verification. Strings, as Cloudflare gives them: `certPresented` "1"/"0",
 * `certVerified` "SUCCESS", "NONE" or "FAILED:<reason>", `certRevoked` "1"/"0", DNs in RFC 2253 form.
 */
export interface TlsClientAuth {
  certPresented?: string;
  certVerified?: string;
  certRevoked?: string;
  certIssuerDN?: string;
  certSubjectDN?: string;
  certFingerprintSHA256?: string;
}

/** What a Gateway server asks of the client's certificate: required, checked when sent, or none. */
export type ClientCertificateMode = "required" | "optional" | "none";

/** The client-certificate requirement of a server's TLS mode. */
export function clientCertificateMode(mode: string | undefined): ClientCertificateMode {
  return mode === "MUTUAL" ? "required" : mode === "OPTIONAL_MUTUAL" ? "optional" : "none";
}

/** The request's `cf.tlsClientAuth`: set by the runtime only, never by a header. */
export function tlsClientAuthOf(request: Request): TlsClientAuth | undefined {
  return (request as { cf?: { tlsClientAuth?: TlsClientAuth } }).cf?.tlsClientAuth;
}

/** Why a client certificate a MUTUAL server requires was refused. */
export type ClientCertificateProblem = "client_cert_missing" | "client_cert_unverified" | "client_cert_revoked";

/** A client certificate a MUTUAL (or OPTIONAL_MUTUAL) server requires is missing or did not verify (403, UAEX). */
export class ClientCertificateError extends MeshError {
  constructor(
    code: ClientCertificateProblem,
    message: string,
    readonly reason?: string,
  ) {
    super(code, 403, [ResponseFlag.Unauthorized], message);
  }
}

/** Whether the TLS terminator says a certificate was presented, verified and is not revoked. */
export function certificateAccepted(auth: TlsClientAuth | undefined): auth is TlsClientAuth {
  return auth?.certPresented === "1" && auth.certVerified === "SUCCESS" && auth.certRevoked !== "1";
}

/**
 * Throws {@link ClientCertificateError} unless the client's certificate meets `mode`:
 * `required` (MUTUAL) needs one presented and verified, `optional` (OPTIONAL_MUTUAL) refuses
 * only one presented that did not verify, `none` asks nothing.
 */
export function checkClientCertificate(auth: TlsClientAuth | undefined, mode: ClientCertificateMode): void {
  if (mode === "none") return;
  if (auth?.certPresented !== "1") {
    if (mode === "optional") return;
    throw new ClientCertificateError("client_cert_missing", "this gateway server requires a client certificate (tls.mode MUTUAL)");
  }
  if (auth.certVerified !== "SUCCESS") {
    throw new ClientCertificateError("client_cert_unverified", "the client certificate did not verify against the server's CA", auth.certVerified || "unverified");
  }
  if (auth.certRevoked === "1") throw new ClientCertificateError("client_cert_revoked", "the client certificate is revoked");
}
