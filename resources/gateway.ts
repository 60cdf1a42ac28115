import { z } from "zod";
import { NonEmptyString, unsupported } from "./fields.ts";
import { Labels } from "./metadata.ts";
import { resourceOf } from "./resource.ts";
import { HttpProtocol } from "./service-entry.ts";
import { LISTENERS_MESSAGE, listenerOfPort } from "./gateway-listeners.ts";
import { CredentialName, REFUSED_MODES } from "./gateway-tls.ts";

const EDGE_TLS = "TLS settings are the terminator's: the zone's settings on Cloudflare, the local HTTPS listener's defaults locally";
const NO_FILES = "certificate files do not exist on Workers: name a credential with credentialName";

/** A Gateway port number: one of the gateway Worker's listeners (so any other number, valid port or not, gets this one message). */
export const GatewayPort = z.number().refine((port) => listenerOfPort(port) !== undefined, { error: LISTENERS_MESSAGE });

const ServerTLSSettings = z.strictObject({
  httpsRedirect: z.boolean().optional(),
  mode: z
    .enum(["SIMPLE", "MUTUAL", "OPTIONAL_MUTUAL", "PASSTHROUGH", "AUTO_PASSTHROUGH", "ISTIO_MUTUAL"])
    .superRefine((mode, ctx) => {
      if (REFUSED_MODES[mode]) ctx.addIssue({ code: "custom", message: `${mode} is not supported: ${REFUSED_MODES[mode]}` });
    })
    .optional(),
  credentialName: CredentialName.optional(),
  credentialNames: unsupported("credentialNames", "the gateway serves one certificate per server: use credentialName"),
  subjectAltNames: unsupported("subjectAltNames", "client certificates are verified against the credential's CA; authorize by principal"),
  serverCertificate: unsupported("serverCertificate", NO_FILES),
  privateKey: unsupported("privateKey", NO_FILES),
  caCertificates: unsupported("caCertificates", NO_FILES),
  caCrl: unsupported("caCrl", EDGE_TLS),
  caCertCredentialName: unsupported("caCertCredentialName", "give the CA with the credential credentialName names"),
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
}).superRefine((server, ctx) => {
  // A plain-HTTP listener terminates no TLS: only httpsRedirect means something there.
  if (listenerOfPort(server.port.number) !== "http") return;
  for (const field of ["mode", "credentialName"] as const) {
    if (server.tls?.[field] !== undefined) {
      ctx.addIssue({ code: "custom", path: ["tls", field], message: `is only read on HTTPS servers (ports 443/8443); an HTTP server takes httpsRedirect` });
    }
  }
});

export const GatewaySpec = z.strictObject({
  selector: Labels.optional(),
  servers: z.array(Server).min(1, "must have at least one server"),
});

export const GatewayResource = resourceOf("Gateway", GatewaySpec);
/** An Istio Gateway: the hosts and ports the gateway Worker serves. */
export type Gateway = z.infer<typeof GatewayResource>;
