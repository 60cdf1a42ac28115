// Reading V8 CPU profiles of the bench's Workers. Samples are counted, each one sampling
// interval of CPU: summing `timeDeltas` instead charges whatever ran on the thread between
// two samples of this isolate (other isolates of the same workerd) to the next sample.
// Time is attributed to data-plane layers by the innermost call frame defined in a layer
// module; the module of a frame comes from esbuild's bundle, which (unminified) opens every
// module with a `// path/to/module.ts` comment line.

const MODULE_MARK = /^\/\/ ((?:[\w.@+-]+\/)*[\w.@+-]+\.[cm]?[jt]sx?)$/;

/**
 * The source module of each line of an esbuild bundle: returns `moduleAt(line)` (0-based, as
 * a profile's call frames count lines), undefined before the first module.
 */
export function bundleModules(bundleText) {
  const marks = [];
  bundleText.split("\n").forEach((line, i) => {
    const m = MODULE_MARK.exec(line);
    if (m) marks.push({ line: i, module: m[1] });
  });
  return (line) => {
    let lo = 0;
    let hi = marks.length - 1;
    let found;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (marks[mid].line <= line) {
        found = marks[mid].module;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  };
}

/**
 * The data-plane layer a module belongs to (`dataplane/outbound`, `dataplane/security`, ...;
 * `dataplane` for the files at its root), or undefined outside the data plane.
 */
export function layerOf(module) {
  const m = /^dataplane\/(?:([\w-]+)\/)?[\w.-]+$/.exec(module ?? "");
  if (!m) return undefined;
  return m[1] ? `dataplane/${m[1]}` : "dataplane";
}

const NATIVE = (frame) => frame.functionName || (frame.url ? "(anonymous)" : "(native)");
const add = (map, key, n = 1) => map.set(key, (map.get(key) ?? 0) + n);

/**
 * Samples of one or more profiles of the same Worker, counted: `samples`, `idle`,
 * `busy` (not idle), by layer (`layers`: the innermost frame in a data-plane module), by
 * layer module (`modules`), the rest by the innermost bundled module or, with none, the
 * native leaf (`outside`: the Worker's own entry, libraries, `(program)`, `(garbage
 * collector)`), and self samples by function (`functions`). `modulesOf(url)` gives the
 * `bundleModules` of a frame's script, or undefined for scripts not bundled here.
 */
export function countSamples(profiles, modulesOf) {
  const out = { samples: 0, idle: 0, busy: 0, wallUs: 0, layers: new Map(), modules: new Map(), outside: new Map(), functions: new Map() };
  for (const profile of profiles) {
    out.wallUs += profile.endTime - profile.startTime;
    const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
    const parent = new Map();
    for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);
    // Every sample of a node lands in the same place: resolve each node once.
    const resolved = new Map();
    const resolve = (id) => {
      if (resolved.has(id)) return resolved.get(id);
      const leaf = nodes.get(id).callFrame;
      let where = { layer: undefined, module: undefined };
      let firstModule;
      for (let at = id; at !== undefined; at = parent.get(at)) {
        const frame = nodes.get(at).callFrame;
        const module = frame.url ? modulesOf(frame.url)?.(frame.lineNumber) : undefined;
        firstModule ??= module;
        const layer = layerOf(module);
        if (layer) {
          where = { layer, module };
          break;
        }
      }
      if (!where.layer) where.outside = firstModule ?? NATIVE(leaf);
      const name = NATIVE(leaf);
      where.fn = leaf.url ? `${name} (${leaf.url.split("/").pop()}:${leaf.lineNumber + 1})` : name;
      where.idle = leaf.functionName === "(idle)";
      resolved.set(id, where);
      return where;
    };
    for (const id of profile.samples) {
      const where = resolve(id);
      out.samples++;
      if (where.idle) {
        out.idle++;
        continue;
      }
      out.busy++;
      add(out.functions, where.fn);
      if (where.layer) {
        add(out.layers, where.layer);
        add(out.modules, where.module);
      } else add(out.outside, where.outside);
    }
  }
  return out;
}

/**
 * Counts turned into the report's figures: µs per request of each layer, module and outside
 * bucket (`samples × intervalUs / requests`), the isolate's CPU as a share of one core over
 * the profile (`cpuShare`), the `top` functions by self samples as a share of busy ones, and
 * the wall time per sample taken (`wallPerSampleUs`: near `intervalUs` when the sampler kept
 * up; much larger means the isolate was sampled only part of the time, see the report).
 */
export function perRequest(counts, { intervalUs, requests, top = 12 }) {
  const us = (n) => (n * intervalUs) / requests;
  const rows = (map) => [...map].sort((a, b) => b[1] - a[1]).map(([key, n]) => ({ key, samples: n, us: us(n) }));
  return {
    samples: counts.samples,
    busySamples: counts.busy,
    cpuShare: counts.wallUs > 0 ? (counts.busy * intervalUs) / counts.wallUs : NaN,
    wallPerSampleUs: counts.samples ? counts.wallUs / counts.samples : NaN,
    busyUs: us(counts.busy),
    layers: rows(counts.layers),
    modules: rows(counts.modules),
    outside: rows(counts.outside),
    top: rows(counts.functions).slice(0, top).map((r) => ({ fn: r.key, share: counts.busy ? r.samples / counts.busy : NaN, us: r.us })),
  };
}
