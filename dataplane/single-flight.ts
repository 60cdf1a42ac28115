/**
 * Work shared by the requests that arrive while it runs (one control-plane pull, one bundle
 * fetch, one SVID issuance per key). Work started inside one request can be cancelled with
 * that request and then never settles — workerd does not carry I/O across requests — so a
 * flight older than `abandonMs` is not shared: the next caller starts afresh instead of
 * waiting on it forever.
 */
export class SingleFlight<K, V> {
  private readonly flights = new Map<K, { startedAt: number; promise: Promise<V> }>();

  constructor(
    private readonly abandonMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The live flight for `key`, or a new one running `start`. */
  run(key: K, start: () => Promise<V>): Promise<V> {
    const live = this.live(key);
    if (live) return live.promise;
    const flight = { startedAt: this.now(), promise: undefined as unknown as Promise<V> };
    flight.promise = start().finally(() => {
      if (this.flights.get(key) === flight) this.flights.delete(key);
    });
    this.flights.set(key, flight);
    return flight.promise;
  }

  /** Whether a flight for `key` is under way and still shared. */
  has(key: K): boolean {
    return this.live(key) !== undefined;
  }

  private live(key: K) {
    const flight = this.flights.get(key);
    return flight && this.now() - flight.startedAt < this.abandonMs ? flight : undefined;
  }
}
