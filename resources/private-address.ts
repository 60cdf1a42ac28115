import ipaddr from "ipaddr.js";

/**
 * The annotation that lets a resource name a private, loopback or link-local address (a local
 * JWKS server in tests, an origin on a private network behind Cloudflare Tunnel).
 */
export const ALLOW_PRIVATE_ADDRESSES_ANNOTATION = "isthmus.io/allow-private-addresses";

// Cloud metadata services reached by name; by address they are link-local or private and
// refused with the rest.
const METADATA_HOSTS = new Set(["metadata", "metadata.google.internal", "metadata.goog", "instance-data", "instance-data.ec2.internal"]);

/**
 * Why a URL the mesh fetches must not be used without the annotation: its host is `localhost`,
 * a cloud metadata name, or a literal IP outside global unicast (loopback, private, link-local,
 * unique-local, unspecified, carrier-grade NAT, multicast, IPv4-mapped or -embedding IPv6 of
 * those, ...). Undefined for a public address or any other host name: names are not resolved
 * when a resource is applied.
 */
export function privateAddressReason(url: string): string | undefined {
  let host: string;
  try {
    // The WHATWG parser normalizes 0x7f.1, 2130706433 and 0177.0.0.1 to 127.0.0.1 first.
    host = new URL(url).hostname.toLowerCase().replace(/\.$/, "");
  } catch {
    return undefined; // not a URL: the field's own schema says so
  }
  if (host === "localhost" || host.endsWith(".localhost")) return `points to loopback (${host})`;
  if (METADATA_HOSTS.has(host)) return `points to a cloud metadata service (${host})`;
  const literal = host.startsWith("[") ? host.slice(1, -1) : host;
  if (!ipaddr.isValid(literal)) return undefined;
  const address = ipaddr.process(literal);
  const range = address.range();
  if (range === "unicast") return undefined;
  return `points to a ${range} address (${address.toString()}), not a public one`;
}

interface Annotated {
  metadata: { annotations?: Record<string, string> };
}

/**
 * A resource-level refinement: each URL `urlsOf` names (with its field path) must point to a
 * public address unless the resource carries `isthmus.io/allow-private-addresses: "true"`.
 */
export function publicAddressesOnly<R extends Annotated>(urlsOf: (resource: R) => [path: (string | number)[], url: string][]) {
  return (resource: R, ctx: { addIssue(issue: { code: "custom"; path: (string | number)[]; message: string }): void }) => {
    if (resource.metadata.annotations?.[ALLOW_PRIVATE_ADDRESSES_ANNOTATION] === "true") return;
    for (const [path, url] of urlsOf(resource)) {
      const reason = privateAddressReason(url);
      if (reason) ctx.addIssue({ code: "custom", path, message: `${reason}: refused unless the resource is annotated ${ALLOW_PRIVATE_ADDRESSES_ANNOTATION}: "true"` });
    }
  };
}
