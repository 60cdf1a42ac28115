// Hand-written checks of JSON documents for the data plane, which receives documents the
// control plane produced (a snapshot, a trust bundle) and must refuse malformed ones without
// carrying a schema library into every isolate (its bundle size and start-up parse). Each
// check answers the first issue it finds, or undefined.

/** Where and why a document does not have its shape. */
export interface ShapeIssue {
  /** Dotted path of the member (`resources.0.metadata.name`), `(root)` for the document. */
  path: string;
  message: string;
}

/** A check of one value at `path`. */
export type Check = (value: unknown, path: string) => ShapeIssue | undefined;

const issue = (path: string, message: string): ShapeIssue => ({ path: path || "(root)", message });
const at = (path: string, key: string | number) => (path ? `${path}.${key}` : String(key));

/** A JSON object: not null, not an array. */
export const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

export const string: Check = (v, path) => (typeof v === "string" ? undefined : issue(path, "expected a string"));
export const nonEmptyString: Check = (v, path) => (typeof v === "string" && v.length > 0 ? undefined : issue(path, "expected a non-empty string"));
export const boolean: Check = (v, path) => (typeof v === "boolean" ? undefined : issue(path, "expected a boolean"));

/** An integer (safe, as JSON numbers the control plane writes are) of at least `min`. */
export const integer =
  (min: number): Check =>
  (v, path) =>
    typeof v === "number" && Number.isSafeInteger(v) && v >= min ? undefined : issue(path, `expected an integer of at least ${min}`);

/** A string `pattern` matches, described as `what` in the issue. */
export const matching =
  (pattern: RegExp, what: string): Check =>
  (v, path) =>
    typeof v === "string" && pattern.test(v) ? undefined : issue(path, `expected ${what}`);

/** Absent (undefined) or as `check` says; null is not absent. */
export const optional =
  (check: Check): Check =>
  (v, path) =>
    v === undefined ? undefined : check(v, path);

export const arrayOf =
  (check: Check): Check =>
  (v, path) => {
    if (!Array.isArray(v)) return issue(path, "expected an array");
    for (let i = 0; i < v.length; i++) {
      const found = check(v[i], at(path, i));
      if (found) return found;
    }
    return undefined;
  };

/** An object whose every member passes `check`. */
export const recordOf =
  (check: Check): Check =>
  (v, path) => {
    if (!isObject(v)) return issue(path, "expected an object");
    for (const key in v) {
      const found = check(v[key], at(path, key));
      if (found) return found;
    }
    return undefined;
  };

/** An object with these members (others allowed and not looked at). */
export const objectOf =
  (members: Record<string, Check>): Check =>
  (v, path) => {
    if (!isObject(v)) return issue(path, "expected an object");
    for (const key in members) {
      const found = members[key]!(v[key], at(path, key));
      if (found) return found;
    }
    return undefined;
  };
