import type { CompiledMesh } from "../config/compiled.ts";
import type { IsolateState } from "../isolate.ts";
import type { Handler, Layer } from "../layer.ts";
import type { ResponseFlag } from "../traffic/response-flags.ts";
import type { UpstreamHeaderEdits } from "../outbound/upstream-request.ts";
import type { Workload } from "../workload.ts";

/** The verified facts about who is calling, filled by the authentication layer. */
export interface Peer {
  /** SPIFFE ID of the calling workload, when it proved one. */
  principal?: string;
  namespace?: string;
  serviceAccount?: string;
  /** End-user principal (`iss/sub`) from a RequestAuthentication JWT. */
  requestPrincipal?: string;
  claims?: Record<string, unknown>;
}

/** The state of one inbound request as it passes the inbound layers. */
export interface InboundCall {
  readonly mesh: CompiledMesh;
  /** What this isolate keeps across requests (config, telemetry). */
  readonly isolate: IsolateState;
  readonly env: Record<string, unknown>;
  readonly waitUntil: (promise: Promise<unknown>) => void;
  /** The workload being called (this Worker). */
  readonly workload: Workload;
  readonly flags: ResponseFlag[];
  /** Who called, as far as authentication proved it; empty under PERMISSIVE without identity. */
  peer: Peer;
  /** Istio's `connection_security_policy` for telemetry: `mutual_tls` analogue or `none`. */
  securityPolicy: "mutual_tls" | "none";
  /** Header edits for the request the handler sees, applied in one copy before it (handler-request.ts). */
  handlerHeaders?: UpstreamHeaderEdits;
}

export type InboundLayer = Layer<InboundCall>;
export type InboundHandler = Handler<InboundCall>;
