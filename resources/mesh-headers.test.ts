import { describe, expect, it } from "vitest";
import * as credentials from "../dataplane/security/credential-headers.ts";
import { isMeshOwnedHeader } from "./mesh-headers.ts";

describe("mesh-owned headers", () => {
  it("cover every header of the mesh's own protocol", () => {
    const names = Object.values(credentials).filter((v) => typeof v === "string");
    expect(names.length).toBeGreaterThan(5);
    for (const name of names) expect(isMeshOwnedHeader(name), name).toBe(true);
  });

  it("cover forwarded identity in any case, and nothing else", () => {
    for (const name of ["X-Forwarded-Client-Cert", "x-spiffe-id", "X-ISTHMUS-ANYTHING", "x-isthmus-error"]) expect(isMeshOwnedHeader(name), name).toBe(true);
    for (const name of ["x-user", "x-isthmus", "x-forwarded-for", "authorization", "x-envoy-max-retries"]) expect(isMeshOwnedHeader(name), name).toBe(false);
  });
});
