import { z } from "zod";
import { WorkloadSelector, unsupported } from "./fields.ts";
import { HeaderName } from "./header-name.ts";
import { parseIpBlock } from "./ip-block.ts";
import { resourceOf } from "./resource.ts";

const Strings = z.array(z.string()).optional();
/** An AuthorizationPolicy IP block, checked when applied. */
const IpBlockText = z.string().superRefine((text, ctx) => {
  const block = parseIpBlock(text);
  if (typeof block === "string") ctx.addIssue({ code: "custom", message: `must be an IP address or CIDR block such as 10.0.0.0/8 or 2001:db8::/32: ${JSON.stringify(text)} ${block}` });
});
const IpBlocks = z.array(IpBlockText).optional();

const Source = z.strictObject({
  principals: Strings,
  notPrincipals: Strings,
  requestPrincipals: Strings,
  notRequestPrincipals: Strings,
  namespaces: Strings,
  notNamespaces: Strings,
  serviceAccounts: Strings,
  notServiceAccounts: Strings,
  ipBlocks: IpBlocks,
  notIpBlocks: IpBlocks,
  remoteIpBlocks: IpBlocks,
  notRemoteIpBlocks: IpBlocks,
  trustDomains: Strings,
  notTrustDomains: Strings,
});

// Istio's path forms: exact, `prefix*`, `*suffix`, `*`, and the `{*}` / `{**}` templates.
const PolicyPath = z.string().refine(
  (p) => p === "*" || p.includes("{") || !p.slice(1, -1).includes("*"),
  { error: "a path may use * only as a whole, as a prefix (*suffix) or as a suffix (prefix*)" },
);
const PolicyPort = z.string().refine((p) => /^\d+$/.test(p) && Number(p) >= 1 && Number(p) <= 65535, {
  error: "must be a port number 1..65535",
});

const Operation = z.strictObject({
  hosts: Strings,
  notHosts: Strings,
  ports: z.array(PolicyPort).optional(),
  notPorts: z.array(PolicyPort).optional(),
  methods: Strings,
  notMethods: Strings,
  paths: z.array(PolicyPath).optional(),
  notPaths: z.array(PolicyPath).optional(),
});

// The condition keys of Istio's authorization policy reference.
const CONDITION_KEY =
  /^(request\.headers\[[^\]]+\]|source\.ip|remote\.ip|source\.namespace|source\.principal|source\.serviceAccount|request\.auth\.principal|request\.auth\.audiences|request\.auth\.presenter|request\.auth\.claims(\[[^\]]+\])+|destination\.ip|destination\.port|connection\.sni|experimental\.envoy\.filters\..+)$/;

// Keys of facts a Worker never sees: refused rather than matching nothing.
const UNSUPPORTED_KEY = /^(destination\.ip|connection\.sni|experimental\..*)$/;

const Condition = z
  .strictObject({
    key: z
      .string()
      .regex(CONDITION_KEY, "must be a condition key such as request.headers[x-user], source.principal or request.auth.claims[iss]")
      .refine((key) => !UNSUPPORTED_KEY.test(key), {
        error: "unsupported condition key: Workers see no destination IP, SNI or Envoy filter state",
      }),
    values: Strings,
    notValues: Strings,
  })
  .refine((c) => c.values !== undefined || c.notValues !== undefined, { error: "must set values or notValues" })
  .superRefine((c, ctx) => {
    const header = /^request\.headers\[(.*)\]$/.exec(c.key);
    const name = header ? HeaderName.safeParse(header[1]) : undefined;
    if (name && !name.success) ctx.addIssue({ code: "custom", path: ["key"], message: `header name ${JSON.stringify(header![1])} ${name.error.issues[0]!.message}` });
    // The IP keys take IP blocks: a malformed one would match nothing, silently.
    if (c.key !== "source.ip" && c.key !== "remote.ip") return;
    for (const field of ["values", "notValues"] as const) {
      c[field]?.forEach((value, i) => {
        const checked = IpBlockText.safeParse(value);
        if (!checked.success) ctx.addIssue({ code: "custom", path: [field, i], message: checked.error.issues[0]!.message });
      });
    }
  });

export const Rule = z.strictObject({
  from: z.array(z.strictObject({ source: Source })).optional(),
  to: z.array(z.strictObject({ operation: Operation })).optional(),
  when: z.array(Condition).optional(),
});
export type AuthorizationRule = z.infer<typeof Rule>;

export const AuthorizationPolicySpec = z.strictObject({
  selector: WorkloadSelector.optional(),
  action: z
    .enum(["ALLOW", "DENY", "AUDIT", "CUSTOM"])
    .refine((a) => a !== "CUSTOM", { error: "action CUSTOM (external authorizers) is not supported" })
    .optional(),
  rules: z.array(Rule).optional(),
  provider: unsupported("provider", "external authorizers (action CUSTOM) are not supported"),
  targetRef: unsupported("targetRef", "select workloads with selector.matchLabels"),
  targetRefs: unsupported("targetRefs", "select workloads with selector.matchLabels"),
});

export const AuthorizationPolicyResource = resourceOf("AuthorizationPolicy", AuthorizationPolicySpec.default({}));
/**
 * An Istio AuthorizationPolicy. The annotation `istio.io/dry-run: "true"` makes it record
 * its decision without enforcing it, as in Istio.
 */
export type AuthorizationPolicy = z.infer<typeof AuthorizationPolicyResource>;
