import type { CompiledMesh, MeshEndpoint, MeshService } from "../config/compiled.ts";
import type { IsolateState } from "../isolate.ts";
import type { HTTPRouteDestination } from "../../resources/virtual-service.ts";
import type { RouteMatch } from "../traffic/route-table.ts";
import type { Handler, Layer } from "../layer.ts";
import type { ResponseFlag } from "../traffic/response-flags.ts";
import type { Workload } from "../workload.ts";
import type { RouteEdits, UpstreamHeaderEdits } from "./upstream-request.ts";

/** Where a request goes after destination choice: a service and optionally a subset. */
export interface Destination {
  service: MeshService;
  subset?: string;
  port?: number;
  /** Header operations of the chosen route destination (`route[].headers`). */
  headers?: HTTPRouteDestination["headers"];
}

/**
 * The state of one outbound request as it passes the outbound layers. Earlier layers fill
 * the fields later ones read (route -> destination -> endpoint).
 */
export interface OutboundCall {
  readonly mesh: CompiledMesh;
  /** What this isolate keeps across requests (balancers, slots, budgets, config, telemetry). */
  readonly isolate: IsolateState;
  readonly env: Record<string, unknown>;
  readonly waitUntil: (promise: Promise<unknown>) => void;
  /** The calling workload (a service, or the gateway). */
  readonly source: Workload;
  /** Gateway context: `["mesh"]` for sidecars, the served Gateway keys (`ns/name`) at the edge. */
  scopes: readonly string[];
  /** Flags recorded for telemetry and access logs. */
  readonly flags: ResponseFlag[];
  /** The host as the caller named it (URL hostname, lower-cased). */
  host?: string;
  /** The service the host names, when it is a mesh service. */
  service?: MeshService;
  /** The matched route; undefined means the service's default route. */
  route?: RouteMatch;
  destination?: Destination;
  endpoint?: MeshEndpoint;
  /** Attempts made so far (1 after the first try). */
  attempts: number;
  /**
   * Endpoint addresses earlier attempts went to, which a retry avoids where another is left
   * (Istio's `retryIgnorePreviousHosts`, on by default). Absent: retries may go anywhere.
   */
  previousEndpoints?: Set<string>;
  /** Hash cookies generated for this request (by name), set on its response. */
  generatedCookies?: Map<string, { value: string; setCookie: string }>;
  /** Set on mirrored copies: their responses are discarded and they are never mirrored again. */
  shadow?: boolean;
  /** This attempt's header edits, applied in one Request copy at dispatch (upstream-request.ts). */
  upstreamHeaders?: UpstreamHeaderEdits;
  /** The matched route's URL and header edits of this request, applied in one copy (upstream-request.ts). */
  routeEdits?: RouteEdits;
}

export type OutboundLayer = Layer<OutboundCall>;
export type OutboundHandler = Handler<OutboundCall>;
