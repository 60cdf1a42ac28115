import { z } from "zod";

/**
 * A certificate's name as a Gateway's `credentialName` (or a Gateway API `certificateRefs`
 * entry) writes it: a Kubernetes Secret name. On Cloudflare it names a custom certificate
 * uploaded for the zone; in the local mesh a credential in the state directory
 * (`isthmus credential set`), so it must also be a safe file name.
 */
export const CREDENTIAL_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

export const CredentialName = z.string().regex(CREDENTIAL_NAME, "must be a lower-case DNS name (a Kubernetes Secret name): letters, digits, '-' and '.'");

/** Why the TLS modes the gateway does not terminate are refused. */
export const REFUSED_MODES: Record<string, string> = {
  PASSTHROUGH: "the gateway terminates TLS (Cloudflare's edge, or the local HTTPS listener) and cannot pass it through; use SIMPLE or MUTUAL",
  AUTO_PASSTHROUGH: "the gateway terminates TLS (Cloudflare's edge, or the local HTTPS listener) and cannot pass it through; use SIMPLE or MUTUAL",
  ISTIO_MUTUAL: "Workers authenticate each other with JWT-SVIDs, not sidecar certificates; use MUTUAL to require mesh-issued client certificates",
};
