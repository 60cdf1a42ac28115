import { canonicalHost } from "../../resources/hosts.ts";
import type { HTTPMatchRequest, HTTPRoute, VirtualService } from "../../resources/virtual-service.ts";
import { PrefixIndex } from "./prefix-index.ts";
import { regexLiteralPrefix } from "./regex-literals.ts";
import { compileStringMatch } from "./string-match.ts";

export { regexLiteralPrefix };

/** The gateway context routes are compiled for: `mesh` (sidecars) or gateway names. */
export const MESH_GATEWAY = "mesh";

/** What route matching looks at in a request. */
export interface RouteRequest {
  /** The normalized path (see `normalizePath`), without the query. */
  path: string;
  /** The query string without `?`, or parsed parameters. */
  query?: string | URLSearchParams;
  method: string;
  headers: Headers;
  /** The request's authority (Host), with port if it had one. */
  authority: string;
  /** `http` or `https`. */
  scheme?: string;
  port?: number;
  /** The calling workload, as far as the mesh has verified it. */
  source?: { namespace?: string; labels?: Record<string, string> };
}

/** The route a request matched. */
export interface RouteMatch {
  /** The HTTPRoute as written in the VirtualService. */
  route: HTTPRoute;
  /** Its index in the VirtualService's `http` list (`spec.http[index]`). */
  index: number;
  /** `route.name`, when set. */
  name?: string;
  /** The match block that matched (absent for a route without blocks), e.g. for `rewritePath`. */
  block?: HTTPMatchRequest;
  /** The name of the match block that matched, when set. */
  matchName?: string;
  virtualService: { name: string; namespace: string };
  /** Position in this host's merged route list (first wins). */
  order: number;
}

export interface RouteTableOptions {
  /**
   * Gateway names this data plane serves: `mesh` for sidecars, or `namespace/name` of each
   * Gateway resource for a gateway Worker. Default `["mesh"]`.
   */
  gateways?: readonly string[];
  clusterDomain?: string;
  /**
   * Whether Gateway `gateway` lets VirtualServices of `namespace` bind `host` (its servers'
   * `hosts`, with their `ns/` restrictions). Absent: every gateway admits every binding.
   */
  admits?: (gateway: string, namespace: string, host: string) => boolean;
}

/** Counts how much work a match did; the index keeps `examined` far below the route count. */
export interface MatchStats {
  examined: number;
}

interface CompiledBlock {
  source: HTTPMatchRequest;
  test: (request: RouteRequest, query: () => URLSearchParams) => boolean;
}

interface CompiledRoute {
  route: HTTPRoute;
  index: number;
  virtualService: { name: string; namespace: string };
  /** No match blocks: matches every request. */
  matchesAll: boolean;
  /** `route.match` compiled, on the first request that tests the route. */
  blocks?: CompiledBlock[];
}

/**
 * The routes of one host, indexed: exact paths in maps, prefixes (and regex literal
 * prefixes) in prefix indexes, so a match examines only routes that could match.
 */
export class HostRoutes {
  private readonly exact = new Map<string, number[]>();
  private readonly exactIgnoreCase = new Map<string, number[]>();
  private readonly prefixes = new PrefixIndex();
  private readonly prefixesIgnoreCase = new PrefixIndex();
  /** Merged candidate lists by the lists they merge: requests differ in path, rarely in candidates. */
  private readonly merged = new Map<string, number[]>();

  constructor(private readonly routes: readonly CompiledRoute[]) {
    routes.forEach((compiled, order) => {
      if (compiled.matchesAll) return this.file(MATCH_ALL, order);
      const blocks = compiled.route.match!;
      if (blocks.length === 1) return this.file(indexKey(blocks[0]!), order);
      // Blocks filed under the same key file the route once.
      const keys = new Map(blocks.map(indexKey).map((k) => [`${k.kind}|${k.ignoreCase}|${k.value}`, k]));
      for (const key of keys.values()) this.file(key, order);
    });
  }

  private file(key: IndexKey, order: number): void {
    if (key.kind === "exact") addTo(key.ignoreCase ? this.exactIgnoreCase : this.exact, key.value, order);
    else (key.ignoreCase ? this.prefixesIgnoreCase : this.prefixes).add(key.value, order);
  }

  /** Number of routes for this host. */
  get size(): number {
    return this.routes.length;
  }

  /**
   * The first route (in VirtualService order) whose match blocks accept the request: within
   * a block every condition must hold, any block may match, a route without blocks matches
   * everything.
   */
  match(request: RouteRequest, stats?: MatchStats): RouteMatch | undefined {
    const candidates = this.candidates(request.path);
    let parsed: URLSearchParams | undefined;
    const query = () =>
      (parsed ??= typeof request.query === "string" || request.query === undefined ? new URLSearchParams(request.query ?? "") : request.query);
    for (const order of candidates) {
      if (stats) stats.examined++;
      const compiled = this.routes[order]!;
      if (compiled.matchesAll) return result(compiled, order, undefined);
      // Compiled on the first request that reaches the route (closures for 1,000 routes
      // would otherwise hold up an isolate's first answer).
      compiled.blocks ??= compiled.route.match!.map(compileBlock);
      for (const block of compiled.blocks) {
        if (block.test(request, query)) return result(compiled, order, block.source);
      }
    }
    return undefined;
  }

  // The candidates are the exact lists plus every route on the trie walk, which the deepest
  // node reached carries merged; merging several of those is cached, so a request pays
  // no allocation or sort however many routes share its prefix.
  private candidates(path: string): number[] {
    const lower = path.toLowerCase();
    const exact = this.exact.get(path);
    const exactIgnoreCase = this.exactIgnoreCase.get(lower);
    const prefixed = this.prefixes.longest(path);
    const prefixedIgnoreCase = this.prefixesIgnoreCase.longest(lower);
    const lists = [exact, exactIgnoreCase, prefixed.inherited, prefixedIgnoreCase.inherited].filter((l): l is number[] => !!l?.length);
    if (lists.length <= 1) return lists[0] ?? [];
    const key = `${exact ? path : ""}\u0000${exactIgnoreCase ? lower : ""}\u0000${prefixed.id}\u0000${prefixedIgnoreCase.id}`;
    let merged = this.merged.get(key);
    if (!merged) {
      if (this.merged.size > 10_000) this.merged.clear();
      this.merged.set(key, (merged = [...new Set(lists.flat())].sort((a, b) => a - b)));
    }
    return merged;
  }
}

function result(compiled: CompiledRoute, order: number, block: HTTPMatchRequest | undefined): RouteMatch {
  return {
    route: compiled.route,
    index: compiled.index,
    ...(compiled.route.name !== undefined ? { name: compiled.route.name } : {}),
    ...(block !== undefined ? { block } : {}),
    ...(block?.name !== undefined ? { matchName: block.name } : {}),
    virtualService: compiled.virtualService,
    order,
  };
}

function addTo<T>(map: Map<string, T[]>, key: string, item: T): void {
  const list = map.get(key);
  if (list) list.push(item);
  else map.set(key, [item]);
}

type IndexKey = { kind: "exact" | "prefix"; value: string; ignoreCase: boolean };

/** Where a route without match blocks is filed: under the empty prefix, a candidate for every path. */
const MATCH_ALL: IndexKey = { kind: "prefix", value: "", ignoreCase: false };

function indexKey(block: HTTPMatchRequest): IndexKey {
  const uri = block.uri;
  const ignoreCase = block.ignoreUriCase === true;
  const value = (v: string) => (ignoreCase ? v.toLowerCase() : v);
  if (uri?.exact !== undefined) return { kind: "exact", value: value(uri.exact), ignoreCase };
  if (uri?.prefix !== undefined) return { kind: "prefix", value: value(uri.prefix), ignoreCase };
  if (uri?.regex !== undefined) return { kind: "prefix", value: regexLiteralPrefix(uri.regex), ignoreCase: false };
  return { kind: "prefix", value: "", ignoreCase: false };
}

function compileBlock(block: HTTPMatchRequest): CompiledBlock {
  const tests: ((request: RouteRequest, query: () => URLSearchParams) => boolean)[] = [];
  if (block.uri) {
    const uri = compileStringMatch(block.uri, { ignoreCase: block.ignoreUriCase === true });
    tests.push((r) => uri(r.path));
  }
  if (block.method) {
    const method = compileStringMatch(block.method);
    tests.push((r) => method(r.method));
  }
  if (block.scheme) {
    const scheme = compileStringMatch(block.scheme);
    tests.push((r) => r.scheme !== undefined && scheme(r.scheme));
  }
  if (block.authority) {
    const authority = compileStringMatch(block.authority);
    tests.push((r) => authority(r.authority));
  }
  if (block.port !== undefined) {
    const port = block.port;
    tests.push((r) => r.port === port);
  }
  for (const [name, match] of Object.entries(block.headers ?? {})) {
    const header = name.toLowerCase();
    const test = compileStringMatch(match);
    tests.push((r) => {
      const value = r.headers.get(header);
      return value !== null && test(value);
    });
  }
  for (const [name, match] of Object.entries(block.withoutHeaders ?? {})) {
    const header = name.toLowerCase();
    // A regex that does not compile fails the block here too, not only in `headers`.
    const test = compileStringMatch(match, { whenRefused: true });
    tests.push((r) => {
      const value = r.headers.get(header);
      return value === null || !test(value);
    });
  }
  for (const [name, match] of Object.entries(block.queryParams ?? {})) {
    // Istio: `exact: ""` (like `{}`) asks only that the parameter is present.
    const test = match.exact === "" ? () => true : compileStringMatch(match);
    tests.push((_r, query) => {
      const value = query().get(name);
      return value !== null && test(value);
    });
  }
  if (block.sourceLabels) {
    const labels = Object.entries(block.sourceLabels);
    tests.push((r) => labels.every(([key, value]) => r.source?.labels?.[key] === value));
  }
  if (block.sourceNamespace !== undefined) {
    const namespace = block.sourceNamespace;
    tests.push((r) => r.source?.namespace === namespace);
  }
  return { source: block, test: (request, query) => tests.every((test) => test(request, query)) };
}

/** `name` or `ns/name` in a VirtualService's `gateways`, resolved against its namespace. */
function qualifyGateway(gateway: string, namespace: string): string {
  return gateway === MESH_GATEWAY || gateway.includes("/") ? gateway : `${namespace}/${gateway}`;
}

function exportedTo(vs: VirtualService, clientNamespace: string): boolean {
  const exportTo = vs.spec.exportTo;
  if (!exportTo || exportTo.length === 0) return true;
  return exportTo.some((ns) => ns === "*" || ns === clientNamespace || (ns === "." && vs.metadata.namespace === clientNamespace));
}

interface HostEntry {
  vs: VirtualService;
  routes: CompiledRoute[];
}

/**
 * All VirtualServices of one snapshot compiled for one gateway context. Build once per
 * snapshot version; look hosts up per request.
 */
export class RouteTable {
  private readonly exactHosts = new Map<string, HostEntry[]>();
  /** `*.suffix` patterns, longest suffix first. */
  private readonly wildcardHosts: { suffix: string; entries: HostEntry[] }[] = [];
  private readonly cache = new Map<string, HostRoutes | null>();
  private readonly clusterDomain: string | undefined;

  constructor(virtualServices: readonly VirtualService[], options: RouteTableOptions = {}) {
    const gateways = new Set(options.gateways ?? [MESH_GATEWAY]);
    this.clusterDomain = options.clusterDomain;
    const wildcards = new Map<string, HostEntry[]>();
    for (const vs of orderVirtualServices(virtualServices)) {
      const namespace = vs.metadata.namespace ?? "default";
      const vsGateways = (vs.spec.gateways ?? [MESH_GATEWAY]).map((g) => qualifyGateway(g, namespace));
      const virtualService = { name: vs.metadata.name, namespace };
      const routesFor = (served: ReadonlySet<string>): CompiledRoute[] => {
        const routes: CompiledRoute[] = [];
        (vs.spec.http ?? []).forEach((route, index) => {
          if (!route.match || route.match.length === 0) {
            if (vsGateways.some((g) => served.has(g))) routes.push({ route, index, virtualService, matchesAll: true });
            return;
          }
          // A block's own `gateways` replace the VirtualService's for that block.
          const applicable = route.match.filter((block) =>
            (block.gateways ? block.gateways.map((g) => qualifyGateway(g, namespace)) : vsGateways).some((g) => served.has(g)),
          );
          if (applicable.length === 0) return;
          // A copy only when blocks were left out, so that a match names the blocks that apply here.
          const bound = applicable.length === route.match.length ? route : { ...route, match: applicable };
          routes.push({ route: bound, index, virtualService, matchesAll: false });
        });
        return routes;
      };
      // Each host binds through the gateways that admit it for this namespace (Istio's `ns/host`).
      const bySignature = new Map<string, CompiledRoute[]>();
      const hosts = new Map<string, string>();
      for (const written of vs.spec.hosts) {
        const host = canonicalHost(written, namespace, this.clusterDomain);
        if (!hosts.has(host)) hosts.set(host, written);
      }
      for (const [host, written] of hosts) {
        const admits = options.admits;
        const served = admits
          ? new Set([...gateways].filter((g) => g === MESH_GATEWAY || admits(g, namespace, written) || admits(g, namespace, host)))
          : gateways;
        const signature = [...served].join(",");
        let routes = bySignature.get(signature);
        if (!routes) bySignature.set(signature, (routes = routesFor(served)));
        if (routes.length === 0) continue;
        const entry: HostEntry = { vs, routes };
        if (host.startsWith("*")) addTo(wildcards, host === "*" ? "" : host.slice(1), entry);
        else addTo(this.exactHosts, host, entry);
      }
    }
    for (const [suffix, entries] of wildcards) this.wildcardHosts.push({ suffix, entries });
    this.wildcardHosts.sort((a, b) => b.suffix.length - a.suffix.length);
  }

  /**
   * The routes for a request host (`reviews`, `reviews.default:9080`, `Bookinfo.Example.com`),
   * from a client in `clientNamespace` (short names are read in it; `exportTo` is checked
   * against it). Exact hosts win over `*.suffix` wildcards (longest first), then `*`.
   * Routes of several VirtualServices for one host are merged, oldest first.
   */
  lookup(host: string, clientNamespace = "default"): HostRoutes | undefined {
    const bare = stripPort(host).toLowerCase().replace(/\.$/, "");
    const key = `${clientNamespace}\u0000${bare}`;
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached ?? undefined;
    const found = this.resolve(bare, clientNamespace);
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(key, found ?? null);
    return found;
  }

  /** Looks the request's authority up and matches it; undefined when no route matches. */
  match(request: RouteRequest, clientNamespace = "default", stats?: MatchStats): RouteMatch | undefined {
    return this.lookup(request.authority, clientNamespace)?.match(request, stats);
  }

  private resolve(bare: string, clientNamespace: string): HostRoutes | undefined {
    const visible = (entries: HostEntry[] | undefined) => entries?.filter((e) => exportedTo(e.vs, clientNamespace)) ?? [];
    const canonical = canonicalHost(bare, clientNamespace, this.clusterDomain);
    let entries = visible(this.exactHosts.get(canonical));
    if (entries.length === 0 && canonical !== bare) entries = visible(this.exactHosts.get(bare));
    if (entries.length === 0) {
      for (const { suffix, entries: candidates } of this.wildcardHosts) {
        if (suffix !== "" && !canonical.endsWith(suffix) && !bare.endsWith(suffix)) continue;
        entries = visible(candidates);
        if (entries.length > 0) break;
      }
    }
    if (entries.length === 0) return undefined;
    return new HostRoutes(entries.flatMap((e) => e.routes));
  }
}

/** Compiles a snapshot's VirtualServices into a route table for one gateway context. */
export function compileRouteTable(virtualServices: readonly VirtualService[], options?: RouteTableOptions): RouteTable {
  return new RouteTable(virtualServices, options);
}

/** Istio merges VirtualServices for one host oldest first; ties by namespace/name. */
function orderVirtualServices(virtualServices: readonly VirtualService[]): VirtualService[] {
  return [...virtualServices].sort((a, b) => {
    const ta = a.metadata.creationTimestamp ?? "";
    const tb = b.metadata.creationTimestamp ?? "";
    if (ta !== tb) return ta < tb ? -1 : 1;
    const ka = `${a.metadata.namespace ?? "default"}/${a.metadata.name}`;
    const kb = `${b.metadata.namespace ?? "default"}/${b.metadata.name}`;
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
}

function stripPort(host: string): string {
  if (host.startsWith("[")) {
    const end = host.indexOf("]");
    return end === -1 ? host : host.slice(0, end + 1);
  }
  const colon = host.lastIndexOf(":");
  return colon === -1 ? host : host.slice(0, colon);
}
