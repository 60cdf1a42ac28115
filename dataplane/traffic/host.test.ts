import { describe, expect, it } from "vitest";
import { HostInvalidError, normalizeAuthority } from "./host.ts";

function reason(raw: string): string {
  try {
    normalizeAuthority(raw);
    return "accepted";
  } catch (error) {
    if (error instanceof HostInvalidError) return error.reason;
    throw error;
  }
}

describe("normalizeAuthority", () => {
  it("gives every spelling of one host the same host: case, trailing dot, default port", () => {
    for (const raw of ["admin.example.com", "ADMIN.example.com", "admin.example.com.", "Admin.Example.COM.", "admin.example.com:80", "admin.example.com.:80", "admin.example.com:080"]) {
      expect(normalizeAuthority(raw), raw).toEqual({ hostname: "admin.example.com", authority: "admin.example.com" });
    }
  });

  it("splits a port off and keeps it", () => {
    expect(normalizeAuthority("admin.example.com.:8080")).toEqual({ hostname: "admin.example.com", port: 8080, authority: "admin.example.com:8080" });
    expect(normalizeAuthority("a.example:443", "https")).toEqual({ hostname: "a.example", authority: "a.example" });
    expect(normalizeAuthority("[::1]:8080")).toEqual({ hostname: "[::1]", port: 8080, authority: "[::1]:8080" });
  });

  it("keeps punycode and gives IP addresses their one spelling", () => {
    expect(normalizeAuthority("xn--bcher-kva.example").hostname).toBe("xn--bcher-kva.example");
    expect(normalizeAuthority("0x7f.1").hostname).toBe("127.0.0.1");
    expect(normalizeAuthority("[0:0::1]").hostname).toBe("[::1]");
  });

  it("refuses malformed hosts with the reason", () => {
    const cases: [string, string][] = [
      ["", "empty"],
      ["a.example, b.example", "multiple_hosts"],
      ["a.example,a.example", "multiple_hosts"],
      ["a%2eexample", "percent_encoded"],
      ["user@a.example", "userinfo"],
      ["a b", "invalid_character"],
      ["a/b", "invalid_character"],
      ["a\\b", "invalid_character"],
      ["a\tb", "invalid_character"],
      ["bücher.example", "invalid_character"],
      ["a.example]", "ip_literal"],
      ["[::1", "ip_literal"],
      ["[v1.x]", "ip_literal"],
      ["[::1]x", "ip_literal"],
      ["[1.2.3]", "ip_literal"],
      ["a:", "invalid_port"],
      ["a:0", "invalid_port"],
      ["a:65536", "invalid_port"],
      ["a:99999", "invalid_port"],
      ["a:http", "invalid_port"],
      ["a:80:80", "invalid_port"],
      ["a:+80", "invalid_character"],
      ["[::1]:", "invalid_port"],
      [".", "empty_label"],
      ["..", "empty_label"],
      ["a..b", "empty_label"],
      ["a.example..", "empty_label"],
      [".a.example", "empty_label"],
      [`${"a.".repeat(127)}a`, "too_long"],
    ];
    for (const [raw, expected] of cases) expect(reason(raw), JSON.stringify(raw)).toBe(expected);
  });

  it("answers 400 bad_host naming the reason", async () => {
    const response = new HostInvalidError("invalid_port", "x").toResponse();
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: "bad_host", reason: "invalid_port" } });
  });
});
