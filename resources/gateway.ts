import { z } from "zod";
import { NonEmptyString, unsupported } from "./fields.ts";
import { Labels } from "./metadata.ts";
import { resourceOf } from "./resource.ts";
import { HttpProtocol } from "./service-entry.ts";
import { LISTENERS_MESSAGE, listenerOfPort } from "./gateway-listeners.ts";

const EDGE_TLS = "Cloudflare terminates TLS at the edge; configure certificates on the zone";

/** A Gateway port number: one of the gateway Worker's listeners (so any other number, valid port or not, gets this one message). */
export const GatewayPort = z.number().refine((port) => listenerOfPort(port) !== undefined, { error: LISTENERS_MESSAGE });

const ServerTLSSettings = z.strictObject({
  httpsRedirect: z.boolean().optional(),
  mode: z
    .enum(["SIMPLE", "MUTUAL", "OPTIONAL_MUTUAL", "PASSTHROUGH", "AUTO_PASSTHROUGH", "ISTIO_MUTUAL"])
    .refine((m) => m === "SIMPLE", {
      error: "only SIMPLE is supported at the edge (Cloudflare terminates TLS); require client certificates with an AuthorizationPolicy",
    })
    .optional(),
  credentialName: unsupported("credentialName", EDGE_TLS),
  credentialNames: unsupported("credentialNames", EDGE_TLS),
  subjectAltNames: unsupported("subjectAltNames", "Cloudflare verifies client certificates against the zone's mTLS CA; authorize by principal"),
  serverCertificate: unsupported("serverCertificate", EDGE_TLS),
  privateKey: unsupported("privateKey", EDGE_TLS),
  caCertificates: unsupported("caCertificates", EDGE_TLS),
  caCrl: unsupported("caCrl", EDGE_TLS),
  caCertCredentialName: unsupported("caCertCredentialName", EDGE_TLS),
  tlsCertificates: unsupported("tlsCertificates", EDGE_TLS),
  verifyCertificateSpki: unsupported("verifyCertificateSpki", EDGE_TLS),
  verifyCertificateHash: unsupported("verifyCertificateHash", EDGE_TLS),
  minProtocolVersion: unsupported("minProtocolVersion", EDGE_TLS),
  maxProtocolVersion: unsupported("maxProtocolVersion", EDGE_TLS),
  cipherSuites: unsupported("cipherSuites", EDGE_TLS),
  insecureSkipVerify: unsupported("insecureSkipVerify", EDGE_TLS),
});

export const Server = z.strictObject({
  port: z.strictObject({
    number: GatewayPort,
    protocol: HttpProtocol,
    name: z.string().optional(),
    targetPort: unsupported("targetPort", "deprecated in Istio"),
  }),
  hosts: z
    .array(
      NonEmptyString.refine((host) => host.split("/").length <= 2 && host.split("/").every((part) => part !== ""), {
        error: 'must be "host", "namespace/host", "./host" or "*/host"',
      }),
    )
    .min(1, "must name at least one host"),
  tls: ServerTLSSettings.optional(),
  name: z.string().optional(),
  bind: unsupported("bind", "the gateway Worker has no listener addresses"),
  defaultEndpoint: unsupported("defaultEndpoint", "the gateway Worker has no listener addresses"),
});

export const GatewaySpec = z.strictObject({
  selector: Labels.optional(),
  servers: z.array(Server).min(1, "must have at least one server"),
});

export const GatewayResource = resourceOf("Gateway", GatewaySpec);
/** An Istio Gateway: the hosts and ports the gateway Worker serves. */
export type Gateway = z.infer<typeof GatewayResource>;
