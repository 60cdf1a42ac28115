// The shape of one hostile-input case. Each class of issue #14 keeps its cases in its own
// file beside this one; test/security/hostile-input.test.ts runs them all against one real
// mesh (control plane, gateway and meshed services on workerd) and prints the totals.
import type { SecurityMesh } from "../mesh.ts";

/** What a refused case must answer. */
export interface Refusal {
  /**
   * The exact 4xx status, or the allowed ones. A 5xx only where the mesh itself refuses with
   * it and `reason` is given: the caller's 502 for a callee answer it could not authenticate
   * (hostile/relay.ts); any other 5xx still fails the case.
   */
  status: number | readonly number[];
  /**
   * The reason: the control API's `error.code`, or the mesh's `error.reason ?? error.code`
   * (also its `x-isthmus-error` header). Omit only where the refusal is the platform's
   * (workerd's HTTP parser), and say so in `note`.
   */
  reason?: string;
}

export interface HostileCase {
  /** The class of issue #14 (or an area that already held: tokens, roles, csr, svid, identity-headers, paths). */
  class: string;
  name: string;
  /** Sends the hostile input; returns the answer. */
  send(mesh: SecurityMesh): Promise<Response>;
  expect: Refusal;
  /**
   * Where a meshed handler must not run: the Worker whose /invocations count must stay
   * the same (`target-v1`, `front-v1`, `other-v1`). Control-API cases check instead
   * that nothing was stored (revision count and snapshot version unchanged).
   */
  handler?: "target-v1" | "front-v1" | "other-v1";
  /** Extra checks after the answer (e.g. an endpoint still registered). */
  after?(mesh: SecurityMesh, response: Response, body: string): Promise<void> | void;
  note?: string;
}

/** A class's cases with the configuration they need applied first (distinct hosts per class). */
export interface HostileClass {
  /** YAML applied (once, before any case runs) on top of test/security/config.ts BASE_CONFIG. */
  config?: string;
  /** Setup beyond config, once (e.g. a registered endpoint to try to steal). */
  setup?(mesh: SecurityMesh): Promise<void>;
  cases: HostileCase[];
}
