/** The number at a dotted path of a JSON answer (`versions.v3.successRate`), or null. */
export function figureAt(value: unknown, path: string): number | null {
  let at: unknown = value;
  for (const key of path.split(".")) {
    if (typeof at !== "object" || at === null) return null;
    at = (at as Record<string, unknown>)[key];
  }
  return typeof at === "number" && Number.isFinite(at) ? at : null;
}
