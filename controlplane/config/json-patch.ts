/** One JSON Patch (RFC 6902) operation. */
export type PatchOperation =
  | { op: "add"; path: string; value: unknown }
  | { op: "remove"; path: string }
  | { op: "replace"; path: string; value: unknown };

/**
 * The JSON Patch that turns `before` into `after`: objects are compared key by key,
 * arrays index by index (items past the shorter end are added or removed), anything else
 * is replaced whole. Keys are visited in sorted order so the patch is stable.
 */
export function jsonPatch(before: unknown, after: unknown, path = ""): PatchOperation[] {
  if (deepEqual(before, after)) return [];
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((key): PatchOperation[] => {
      const child = `${path}/${escapePointer(key)}`;
      if (!(key in after)) return [{ op: "remove", path: child }];
      if (!(key in before)) return [{ op: "add", path: child, value: after[key] }];
      return jsonPatch(before[key], after[key], child);
    });
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const operations: PatchOperation[] = [];
    const common = Math.min(before.length, after.length);
    for (let index = 0; index < common; index += 1) {
      operations.push(...jsonPatch(before[index], after[index], `${path}/${index}`));
    }
    for (let index = common; index < after.length; index += 1) {
      operations.push({ op: "add", path: `${path}/${index}`, value: after[index] });
    }
    for (let index = before.length - 1; index >= common; index -= 1) {
      operations.push({ op: "remove", path: `${path}/${index}` });
    }
    return operations;
  }
  return [{ op: "replace", path, value: after }];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function escapePointer(key: string): string {
  return key.replaceAll("~", "~0").replaceAll("/", "~1");
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => deepEqual(item, b[i]));
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((key) => key in b && deepEqual(a[key], b[key]));
  }
  return false;
}
