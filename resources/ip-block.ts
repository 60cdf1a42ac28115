import ipaddr from "ipaddr.js";

/** A parsed IP block: an address and how many leading bits of it a client must share. */
export interface IpBlock {
  address: ipaddr.IPv4 | ipaddr.IPv6;
  bits: number;
}

/** A parsed client address, IPv4-mapped IPv6 already read as IPv4. */
export type IpAddress = ipaddr.IPv4 | ipaddr.IPv6;

// Only the written forms Istio documents: dotted decimal (no octal, hex or short forms, which
// some parsers read differently) and IPv6 without a zone.
const PREFIX = /^(0|[1-9][0-9]{0,2})$/;

function parseAddress(text: string): IpAddress | undefined {
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) return ipaddr.IPv4.parse(text);
  if (!text.includes("%") && ipaddr.IPv6.isValid(text)) return ipaddr.IPv6.parse(text);
  return undefined;
}

/**
 * Reads `10.0.0.0/8`, `203.0.113.4`, `2001:db8::/32` or `::ffff:10.0.0.0/104`; returns a
 * reason string for anything else. An IPv4-mapped IPv6 block is read as the IPv4 block it
 * maps, so it matches IPv4 clients. Host bits past the prefix are ignored, as in Envoy.
 */
export function parseIpBlock(text: string): IpBlock | string {
  const parts = text.split("/");
  if (parts.length > 2) return "has more than one /";
  const address = parseAddress(parts[0]!);
  if (!address) return "is not an IPv4 address in dotted decimal or an IPv6 address without a zone";
  const width = address.kind() === "ipv4" ? 32 : 128;
  if (parts.length === 2 && !PREFIX.test(parts[1]!)) return "has a prefix length that is not a number";
  const bits = parts.length === 2 ? Number(parts[1]) : width;
  if (bits > width) return `has a prefix length above ${width}`;
  if (address.kind() === "ipv6" && (address as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) {
    return { address: (address as ipaddr.IPv6).toIPv4Address(), bits: bits - 96 };
  }
  return { address, bits };
}

/** A client address as the data plane reads it (`CF-Connecting-IP`); undefined when missing or malformed. */
export function parseClientIp(text: string | undefined): IpAddress | undefined {
  if (text === undefined) return undefined;
  const address = parseAddress(text.trim());
  if (address?.kind() === "ipv6" && (address as ipaddr.IPv6).isIPv4MappedAddress()) return (address as ipaddr.IPv6).toIPv4Address();
  return address;
}

/** Whether `ip` lies in `block` (an IPv4 client never lies in an IPv6 block, nor the reverse). */
export function blockContains(block: IpBlock, ip: IpAddress): boolean {
  if (ip.kind() !== block.address.kind()) return false;
  return (ip as ipaddr.IPv4).match(block.address as ipaddr.IPv4, block.bits);
}
