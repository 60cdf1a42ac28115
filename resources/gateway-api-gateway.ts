import { z } from "zod";
import { unsupported } from "./fields.ts";
import { GATEWAY_API_GROUP, NAMESPACE_NAME_LABEL, selectedNamespaces } from "./gateway-api.ts";
import { GatewayPort } from "./gateway.ts";
import { CredentialName } from "./gateway-tls.ts";
import { LISTENERS_MESSAGE, listenerOfPort } from "./gateway-listeners.ts";
import { Dns1123Label, Dns1123Subdomain } from "./metadata.ts";
import { resourceOf } from "./resource.ts";

const EDGE_TLS = "the gateway terminates TLS (Cloudflare: the zone's edge certificate; locally: the mesh CA or a credential)";
const NO_ADDRESSES = "the gateway Worker has no listener addresses";
const SIMPLE_SELECTOR = `namespaces carry no labels in the mesh: select them by ${NAMESPACE_NAME_LABEL} (matchLabels, or matchExpressions with operator In)`;

// Gateway API's Hostname: a DNS name, or one with a leading `*.` label; no IP addresses, no port.
const HOSTNAME = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

const Hostname = z
  .string()
  .max(253, "must be at most 253 characters")
  .regex(HOSTNAME, 'must be a lower-case DNS name, optionally with a leading "*." label')
  .refine((host) => !/^[0-9.]+$/.test(host), { error: "must be a DNS name, not an IP address" });

const NamespaceSelector = z
  .strictObject({
    matchLabels: z
      .record(z.string(), Dns1123Label)
      .refine((labels) => Object.keys(labels).every((key) => key === NAMESPACE_NAME_LABEL), { error: SIMPLE_SELECTOR })
      .optional(),
    matchExpressions: z
      .array(
        z.strictObject({
          key: z.literal(NAMESPACE_NAME_LABEL, { error: SIMPLE_SELECTOR }),
          operator: z.literal("In", { error: SIMPLE_SELECTOR }),
          values: z.array(Dns1123Label).min(1, "must name at least one namespace"),
        }),
      )
      .optional(),
  })
  .refine((selector) => selectedNamespaces(selector)?.length !== 0, { error: "selects no namespace: its terms name none in common" });

const RouteNamespaces = z
  .strictObject({
    from: z.enum(["All", "Same", "Selector"], { error: "must be All, Same or Selector" }).optional(),
    selector: NamespaceSelector.optional(),
  })
  .superRefine((n, ctx) => {
    if (n.from === "Selector" && n.selector === undefined) ctx.addIssue({ code: "custom", path: ["selector"], message: "is required with from: Selector" });
    if (n.from !== "Selector" && n.selector !== undefined) ctx.addIssue({ code: "custom", path: ["selector"], message: "is only read with from: Selector" });
  });

const AllowedRoutes = z.strictObject({
  namespaces: RouteNamespaces.optional(),
  kinds: z
    .array(
      z.strictObject({
        group: z.literal(GATEWAY_API_GROUP, { error: `the gateway Worker serves HTTPRoutes (group ${GATEWAY_API_GROUP})` }).optional(),
        kind: z.literal("HTTPRoute", { error: "the gateway Worker serves HTTPRoutes only" }),
      }),
    )
    .optional(),
});

// A certificate the gateway serves: a Secret by name, as credentialName names one (no cross-namespace refs).
const CertificateRef = z.strictObject({
  group: z.literal("", { error: 'must be "" (the core group): certificates are Secrets' }).optional(),
  kind: z.literal("Secret", { error: "must be Secret" }).optional(),
  name: CredentialName,
  namespace: unsupported("namespace", "credentials are the mesh's, not a namespace's: name the credential only"),
});

const ListenerTLS = z.strictObject({
  mode: z.literal("Terminate", { error: `must be Terminate: ${EDGE_TLS}` }).optional(),
  certificateRefs: z.array(CertificateRef).max(1, "the gateway serves one certificate per listener").optional(),
  options: unsupported("options", EDGE_TLS),
  frontendValidation: unsupported("frontendValidation", "require client certificates with an Istio Gateway server's tls.mode MUTUAL"),
});

export const GatewayApiListener = z
  .strictObject({
    name: Dns1123Subdomain,
    hostname: Hostname.optional(),
    port: GatewayPort,
    protocol: z.enum(["HTTP", "HTTPS"], { error: (issue) => (issue.input === undefined ? "is required" : "must be HTTP or HTTPS: the gateway Worker serves HTTP") }),
    tls: ListenerTLS.optional(),
    allowedRoutes: AllowedRoutes.optional(),
  })
  .superRefine((l, ctx) => {
    // The port picks the Worker's listener; an HTTPS listener on 80 would be served as plain HTTP.
    const listener = listenerOfPort(l.port);
    if (listener !== undefined && listener !== l.protocol.toLowerCase()) {
      ctx.addIssue({ code: "custom", path: ["port"], message: `${l.protocol} on port ${l.port}: ${LISTENERS_MESSAGE}` });
    }
    if (l.tls !== undefined && l.protocol !== "HTTPS") ctx.addIssue({ code: "custom", path: ["tls"], message: "is only allowed on HTTPS listeners" });
  });

export const GatewayApiGatewaySpec = z.strictObject({
  gatewayClassName: z.literal("istio", { error: (issue) => (issue.input === undefined ? "is required" : 'must be "istio": the gateway Worker implements Istio\'s GatewayClass') }),
  listeners: z
    .array(GatewayApiListener)
    .min(1, "must have at least one listener")
    .superRefine((listeners, ctx) => {
      const seen = new Set<string>();
      listeners.forEach((l, i) => {
        if (seen.has(l.name)) ctx.addIssue({ code: "custom", path: [i, "name"], message: `listener name "${l.name}" is used twice` });
        seen.add(l.name);
      });
    }),
  addresses: unsupported("addresses", NO_ADDRESSES),
  infrastructure: unsupported("infrastructure", "the gateway Worker is deployed with wrangler, not by the mesh"),
  backendTLS: unsupported("backendTLS", "set TLS to backends with a DestinationRule"),
  allowedListeners: unsupported("allowedListeners", "ListenerSets are not supported"),
});

export const GatewayApiGatewayResource = resourceOf("Gateway", GatewayApiGatewaySpec);
/** A Kubernetes Gateway API Gateway of class `istio`: its listeners are the gateway Worker's. */
export type GatewayApiGateway = z.infer<typeof GatewayApiGatewayResource>;
