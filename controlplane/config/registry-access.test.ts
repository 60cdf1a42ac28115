import { describe, expect, it } from "vitest";
import { ownerRefusal, registrationRefusal, serviceAccountsOf } from "./registry-access.ts";

const entry = (namespace: string, hosts: string[], accounts: (string | undefined)[]) => ({
  metadata: { namespace },
  spec: { hosts, endpoints: accounts.map((serviceAccount, i) => ({ address: `worker://e${i}`, ...(serviceAccount ? { serviceAccount } : {}) })) },
});
const front = { actor: "token:front", identity: { namespace: "default", serviceAccount: "front" } };
const codeOf = (outcome: ReturnType<typeof ownerRefusal>) => (outcome && !outcome.ok ? outcome.refusal.code : null);

describe("serviceAccountsOf", () => {
  it("reads the ServiceEntry endpoints' service accounts of the service's namespace, by canonical host", () => {
    const entries = [entry("default", ["reviews.default.svc.cluster.local"], ["bookinfo-reviews", undefined]), entry("other", ["reviews"], ["intruder"])];
    expect(serviceAccountsOf(entries, "default", "reviews")).toEqual(["bookinfo-reviews"]);
  });

  it("falls back to the service name, as the data plane does, when no endpoint names one", () => {
    expect(serviceAccountsOf([entry("default", ["victim"], [undefined])], "default", "victim")).toEqual(["victim"]);
    expect(serviceAccountsOf([], "default", "new-service")).toEqual(["new-service"]);
  });
});

describe("registrationRefusal", () => {
  it("lets editors and admins register anything", () => {
    expect(registrationRefusal({ actor: "admin" }, { namespace: "x", service: "victim" }, ["victim"], { namespace: "x", serviceAccount: "victim" })).toBeNull();
  });

  it("lets a data plane register its own service, new or already its own", () => {
    expect(registrationRefusal(front, { namespace: "default", service: "front" }, ["front"], null)).toBeNull();
    expect(registrationRefusal(front, { namespace: "default", service: "front", serviceAccount: "front" }, ["front"], { namespace: "default", serviceAccount: "front" })).toBeNull();
  });

  it("refuses another namespace, another service account, or a service that runs as someone else", () => {
    expect(codeOf(registrationRefusal(front, { namespace: "prod", service: "front" }, ["front"], null))).toBe("registry_identity_mismatch");
    expect(codeOf(registrationRefusal(front, { namespace: "default", service: "front", serviceAccount: "victim" }, ["front"], null))).toBe("registry_identity_mismatch");
    const hijack = registrationRefusal(front, { namespace: "default", service: "victim" }, ["victim"], null);
    expect(codeOf(hijack)).toBe("registry_identity_mismatch");
    expect(hijack && !hijack.ok && hijack.refusal.details[0]!.path).toBe("service");
  });

  it("refuses to take over an address another workload (or an editor) registered", () => {
    expect(codeOf(registrationRefusal(front, { namespace: "default", service: "front" }, ["front", "other"], { namespace: "default", serviceAccount: "other" }))).toBe("registry_not_owner");
    expect(codeOf(registrationRefusal(front, { namespace: "default", service: "front" }, ["front"], { namespace: "default" }))).toBe("registry_not_owner");
  });
});

describe("ownerRefusal", () => {
  it("lets the owning workload and editors heartbeat or remove, no one else", () => {
    expect(ownerRefusal(front, { namespace: "default", serviceAccount: "front" })).toBeNull();
    expect(ownerRefusal({ actor: "admin" }, { namespace: "default", serviceAccount: "other" })).toBeNull();
    expect(codeOf(ownerRefusal(front, { namespace: "default", serviceAccount: "other" }))).toBe("registry_not_owner");
    expect(codeOf(ownerRefusal(front, { namespace: "prod", serviceAccount: "front" }))).toBe("registry_not_owner");
  });
});
