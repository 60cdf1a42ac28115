// Control plane: applies/s of one 20-document file (5 services x ServiceEntry,
// DestinationRule, VirtualService, AuthorizationPolicy) through POST /v1/apply, one after
// another. Every apply changes a label on all 20, so each is a real write: validation,
// storage, a revision and a new snapshot.
import { allowPolicy, destinationRule, serviceEntry, virtualService } from "../configs/resources.mjs";

/** The 20 documents of apply `round` in namespaces `${prefix}-0..4`. */
export function twentyDocuments(round, prefix = "bench-apply") {
  const docs = [];
  for (let s = 0; s < 5; s++) {
    const ns = `${prefix}-${s}`;
    docs.push(serviceEntry(ns, [{ worker: `apply-${s}-v1`, version: "v1" }, { worker: `apply-${s}-v2`, version: "v2" }]), destinationRule(ns), virtualService(ns, `${ns}.bench`, 10), allowPolicy(ns));
  }
  for (const doc of docs) doc.metadata.labels = { round: String(round) };
  return docs;
}

export async function measureApplies(mesh, { applies = 20 } = {}) {
  await mesh.apply(twentyDocuments(0)); // creates them; the timed ones update
  const times = [];
  for (let i = 1; i <= applies; i++) {
    const t0 = performance.now();
    await mesh.apply(twentyDocuments(i));
    times.push(performance.now() - t0);
  }
  const total = times.reduce((a, b) => a + b, 0);
  return { applies, documents: 20, perSecond: applies / (total / 1000), meanMs: total / applies };
}
