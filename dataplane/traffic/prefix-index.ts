/** The routes filed under a path prefix, and the routes under it and under its own prefixes. */
export interface PrefixEntry {
  /** Names the entry within its index (merged candidate lists are cached by it). */
  readonly id: number;
  /** Routes filed under exactly this prefix, ascending. */
  readonly routes: number[];
  /** Routes of this prefix and of every shorter one it starts with, ascending, no repeats; filled on first lookup. */
  inherited?: number[];
}

const NONE: PrefixEntry & { inherited: number[] } = { id: -1, routes: [], inherited: [] };

/**
 * Route numbers filed under path prefixes; a lookup answers every route whose prefix the
 * path starts with. Filing costs one map entry per prefix (a character trie cost a map per
 * character, several milliseconds for 1,000 routes on an isolate's first request); a lookup
 * tries the path's prefixes of the lengths filed, longest first, and stops at the first
 * filed one: every shorter filed prefix of the path is a prefix of that one, so its
 * `inherited` list is the answer.
 */
export class PrefixIndex {
  private readonly entries = new Map<string, PrefixEntry>();
  private readonly filedLengths = new Set<number>();
  /** The distinct lengths of the prefixes filed, longest first (sorted on the first lookup after filing). */
  private lengths: number[] | undefined;

  /** Files route `order`: routes in ascending order, all before the first lookup. */
  add(prefix: string, order: number): void {
    const entry = this.entries.get(prefix);
    if (entry) {
      if (entry.routes[entry.routes.length - 1] !== order) entry.routes.push(order);
      return;
    }
    this.entries.set(prefix, { id: this.entries.size, routes: [order] });
    this.filedLengths.add(prefix.length);
    this.lengths = undefined;
  }

  /** The longest filed prefix of `path`, its `inherited` list filled; an empty entry when none is. */
  longest(path: string): PrefixEntry & { inherited: number[] } {
    this.lengths ??= [...this.filedLengths].sort((a, b) => b - a);
    for (const length of this.lengths) {
      if (length > path.length) continue;
      const entry = this.entries.get(length === path.length ? path : path.slice(0, length));
      if (entry) {
        entry.inherited ??= this.inheritedOf(path.slice(0, length), entry);
        return entry as PrefixEntry & { inherited: number[] };
      }
    }
    return NONE;
  }

  private inheritedOf(prefix: string, entry: PrefixEntry): number[] {
    let inherited = entry.routes;
    for (const length of this.lengths!) {
      if (length >= prefix.length) continue;
      const shorter = this.entries.get(prefix.slice(0, length));
      if (shorter) inherited = inherited.concat(shorter.routes);
    }
    return inherited === entry.routes ? inherited : [...new Set(inherited)].sort((a, b) => a - b);
  }
}
