import ipaddr from "ipaddr.js";
import { describe, expect, it } from "vitest";
import { blockContains, parseClientIp, parseIpBlock, type IpBlock } from "./ip-block.ts";

const block = (text: string) => {
  const parsed = parseIpBlock(text);
  if (typeof parsed === "string") throw new Error(`${text}: ${parsed}`);
  return parsed;
};
const contains = (b: string, ip: string) => blockContains(block(b), parseClientIp(ip)!);

describe("IP blocks", () => {
  it("reads addresses and CIDRs, IPv4 and IPv6", () => {
    expect(block("10.0.0.0/8")).toMatchObject({ bits: 8 });
    expect(block("203.0.113.4")).toMatchObject({ bits: 32 });
    expect(block("2001:db8::/32")).toMatchObject({ bits: 32 });
    expect(block("::1")).toMatchObject({ bits: 128 });
    expect(block("0.0.0.0/0")).toMatchObject({ bits: 0 });
  });

  it("reads an IPv4-mapped IPv6 block as the IPv4 block it maps", () => {
    const mapped = block("::ffff:10.1.0.0/112") as IpBlock;
    expect(mapped.address.kind()).toBe("ipv4");
    expect(mapped).toMatchObject({ bits: 16 });
    expect(contains("::ffff:10.1.0.0/112", "10.1.200.3")).toBe(true);
  });

  it("refuses everything else with a reason", () => {
    for (const text of ["", "x", "10.0.0.0/33", "2001:db8::/129", "10.0.0.0/", "10.0.0.0/8/8", "10.0.0.0/08", "10.0.0.0/-1", "10.0.0.0/ 8",
      "0x0a.0.0.0/8", "010.0.0.1", "10.1", "167772161", "256.0.0.1", "fe80::1%eth0", "2001:db8:::1", "10.0.0.0/8 ", " 10.0.0.0", "10.0.0.0\n"]) {
      expect(typeof parseIpBlock(text), JSON.stringify(text)).toBe("string");
    }
  });

  it("matches by prefix, ignoring host bits as Envoy does, never across families", () => {
    expect(contains("10.1.0.0/16", "10.1.255.255")).toBe(true);
    expect(contains("10.1.0.0/16", "10.2.0.0")).toBe(false);
    expect(contains("10.1.2.3/16", "10.1.9.9")).toBe(true);
    expect(contains("2001:db8::/32", "2001:db8:ffff::1")).toBe(true);
    expect(contains("0.0.0.0/0", "2001:db8::1")).toBe(false);
    expect(contains("::/0", "192.0.2.1")).toBe(false);
  });

  it("reads a client address strictly, mapped IPv6 as IPv4", () => {
    expect(parseClientIp("::ffff:192.0.2.1")?.toString()).toBe("192.0.2.1");
    expect(parseClientIp(" 192.0.2.1 ")?.toString()).toBe("192.0.2.1");
    expect(parseClientIp("2001:DB8::1")?.toString()).toBe("2001:db8::1");
    for (const text of [undefined, "", "unknown", "0x7f.1", "2130706433", "127.1", "1.2.3.4, 5.6.7.8", "fe80::1%eth0", "[::1]"]) {
      expect(parseClientIp(text), String(text)).toBeUndefined();
    }
    expect(parseClientIp("::1")).toBeInstanceOf(ipaddr.IPv6);
  });
});
