// The security state one isolate keeps for its whole life: its own credentials and the
// trust bundle verifier. Module scope, like the snapshot cache.
import { MeshTrust } from "./trust.ts";
import { SvidCache } from "./svid-cache.ts";

/** This isolate's workload key and JWT-SVIDs. */
export const ownCredentials = new SvidCache();

/** This isolate's trust bundle and verifier. */
export const meshTrust = new MeshTrust();
