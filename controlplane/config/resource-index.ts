import { keyOf, keyString, listResources, type ResourceKey, type StoredRow } from "./resource-store.ts";

/**
 * Every stored resource row, parsed, held in the MeshControl object's memory: an apply reads
 * them all (the analysis needs the whole configuration), and parsing every row per apply cost
 * more than the apply's own writes. Read from SQL once; every write to the resources table
 * goes through `commit`, which hands this the rows it wrote after its transaction commits.
 * The rows are shared, never copied: callers treat them as immutable (as compileSnapshot does).
 */
export class ResourceIndex {
  private rows: Map<string, StoredRow> | null = null;
  /** All rows sorted by kind, namespace, name; null when a write unsorted them. */
  private sorted: StoredRow[] | null = null;

  constructor(private readonly sql: SqlStorage) {}

  /** The row of `key`, or null. */
  get(key: ResourceKey): StoredRow | null {
    return this.load().get(keyString(key)) ?? null;
  }

  /** Rows of a kind and/or namespace (all when unset), sorted by kind, namespace, name, as `listResources` gives them. */
  list(filter: { kind?: string; namespace?: string } = {}): StoredRow[] {
    const rows = this.load();
    this.sorted ??= [...rows.values()].sort(byKey);
    if (filter.kind === undefined && filter.namespace === undefined) return this.sorted.slice();
    return this.sorted.filter(({ resource }) =>
      (filter.kind === undefined || resource.kind === filter.kind) && (filter.namespace === undefined || resource.metadata.namespace === filter.namespace),
    );
  }

  /** After a committed transaction: `written` rows now stand, `deleted` keys are gone. */
  committed(written: readonly StoredRow[], deleted: readonly ResourceKey[]): void {
    if (!this.rows) return; // not read yet: the first read sees the commit
    for (const row of written) {
      const key = keyString(keyOf(row.resource));
      if (!this.rows.has(key)) this.sorted = null;
      else if (this.sorted) this.sorted[this.sorted.indexOf(this.rows.get(key)!)] = row;
      this.rows.set(key, row);
    }
    for (const key of deleted) {
      if (this.rows.delete(keyString(key))) this.sorted = null;
    }
  }

  private load(): Map<string, StoredRow> {
    if (!this.rows) {
      this.sorted = listResources(this.sql);
      this.rows = new Map(this.sorted.map((row) => [keyString(keyOf(row.resource)), row]));
    }
    return this.rows;
  }
}

// The order of listResources' ORDER BY kind, namespace, name (SQLite compares bytes; resource
// names are ASCII, where that is the order of `<`).
function byKey(a: StoredRow, b: StoredRow): number {
  const x = a.resource;
  const y = b.resource;
  return compare(x.kind, y.kind) || compare(x.metadata.namespace ?? "default", y.metadata.namespace ?? "default") || compare(x.metadata.name, y.metadata.name);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
