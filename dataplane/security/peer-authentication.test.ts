import { describe, expect, it } from "vitest";
import { peerPolicy } from "./peer-authentication.ts";
import { meshOf } from "./test-snapshot.ts";

const REVIEWS = { namespace: "default", labels: { app: "reviews", version: "v2" } };

function pa(name: string, namespace: string, spec: string, annotations = ""): string {
  return `apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\n${annotations}spec:\n${spec}\n---\n`;
}

describe("PeerAuthentication composition (Istio's ComposePeerAuthentication)", () => {
  it("defaults to STRICT when no policy exists", () => {
    expect(peerPolicy(meshOf(""), REVIEWS)).toEqual({ mode: "STRICT", proofOfPossession: false, bodyDigest: false, decidedBy: undefined });
  });
  it("mesh-wide (root namespace, no selector) applies everywhere", () => {
    const mesh = meshOf(pa("default", "istio-system", "  mtls: { mode: PERMISSIVE }"));
    expect(peerPolicy(mesh, REVIEWS)).toMatchObject({ mode: "PERMISSIVE", decidedBy: "istio-system/default" });
  });
  it("namespace beats mesh, workload beats namespace; UNSET inherits", () => {
    const mesh = meshOf(
      pa("mesh", "istio-system", "  mtls: { mode: PERMISSIVE }") +
        pa("ns", "default", "  mtls: { mode: STRICT }") +
        pa("reviews", "default", "  selector:\n    matchLabels: { app: reviews }\n  mtls: { mode: DISABLE }") +
        pa("ratings", "default", "  selector:\n    matchLabels: { app: ratings }\n  mtls: { mode: UNSET }"),
    );
    expect(peerPolicy(mesh, REVIEWS)).toMatchObject({ mode: "DISABLE", decidedBy: "default/reviews" });
    expect(peerPolicy(mesh, { namespace: "default", labels: { app: "ratings" } })).toMatchObject({ mode: "STRICT", decidedBy: "default/ns" });
    expect(peerPolicy(mesh, { namespace: "other", labels: { app: "reviews" } })).toMatchObject({ mode: "PERMISSIVE", decidedBy: "istio-system/mesh" });
  });
  it("a policy with a selector in the root namespace is not a workload policy elsewhere", () => {
    const mesh = meshOf(pa("odd", "istio-system", "  selector:\n    matchLabels: { app: reviews }\n  mtls: { mode: DISABLE }"));
    expect(peerPolicy(mesh, REVIEWS).mode).toBe("STRICT");
  });
  it("portLevelMtls of the workload policy overrides for its port; UNSET there inherits", () => {
    const mesh = meshOf(
      pa("reviews", "default", "  selector:\n    matchLabels: { app: reviews }\n  mtls: { mode: STRICT }\n  portLevelMtls:\n    \"9090\": { mode: PERMISSIVE }\n    \"9091\": { mode: UNSET }"),
    );
    expect(peerPolicy(mesh, REVIEWS, 9090).mode).toBe("PERMISSIVE");
    expect(peerPolicy(mesh, REVIEWS, 9091).mode).toBe("STRICT");
    expect(peerPolicy(mesh, REVIEWS, 9080).mode).toBe("STRICT");
  });
  it("proof-of-possession comes from the narrowest policy carrying the annotation", () => {
    const on = '  annotations: { "isthmus.io/proof-of-possession": "true" }\n';
    const off = '  annotations: { "isthmus.io/proof-of-possession": "false" }\n';
    const mesh = meshOf(pa("mesh", "istio-system", "  mtls: { mode: STRICT }", on) + pa("ns", "other", "  mtls: { mode: STRICT }", off));
    expect(peerPolicy(mesh, REVIEWS).proofOfPossession).toBe(true);
    expect(peerPolicy(mesh, { namespace: "other", labels: {} }).proofOfPossession).toBe(false);
  });
  it("binds the body digest only where proof-of-possession is on and the annotation asks", () => {
    const both = '  annotations: { "isthmus.io/proof-of-possession": "true", "isthmus.io/pop-body-digest": "true" }\n';
    const digestOnly = '  annotations: { "isthmus.io/pop-body-digest": "true" }\n';
    const mesh = meshOf(pa("mesh", "istio-system", "  mtls: { mode: STRICT }", both) + pa("ns", "other", "  mtls: { mode: STRICT }", '  annotations: { "isthmus.io/proof-of-possession": "false" }\n'));
    expect(peerPolicy(mesh, REVIEWS)).toMatchObject({ proofOfPossession: true, bodyDigest: true });
    expect(peerPolicy(mesh, { namespace: "other", labels: {} })).toMatchObject({ proofOfPossession: false, bodyDigest: false });
    expect(peerPolicy(meshOf(pa("mesh", "istio-system", "  mtls: { mode: STRICT }", digestOnly)), REVIEWS).bodyDigest).toBe(false);
  });
});
