/**
 * Loads values by key in batches, one batch in flight at a time and at most one started per
 * `minIntervalMs`: concurrent requests for a key share one load, and the keys asked for while a
 * batch is in flight (or within the interval after it started) go together into the next one. So
 * a connection storm on one key costs one query, and a flood of distinct unknown keys costs at
 * most one query per interval (and per `maxBatch` keys) rather than one per handshake. The loader
 * is bounded in time by its caller (the repository), so a batch never holds the next ones forever.
 */

interface Waiting<V> {
  readonly promise: Promise<V | undefined>;
  resolve(value: V | undefined): void;
  reject(error: unknown): void;
}

function waiting<V>(): Waiting<V> {
  let resolve!: (value: V | undefined) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<V | undefined>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

export class KeyBatcher<V> {
  readonly #load: (keys: readonly string[]) => Promise<ReadonlyMap<string, V>>;
  readonly #maxBatch: number;
  /** Asked for, waiting for the next batch. */
  readonly #queued = new Map<string, Waiting<V>>();
  /** In the batch being loaded. */
  readonly #loading = new Map<string, Waiting<V>>();
  readonly #minIntervalMs: number;
  #running = false;
  #lastStart = Number.NEGATIVE_INFINITY;

  /** `load` answers the keys it found; a key it leaves out resolves as undefined. */
  constructor(load: (keys: readonly string[]) => Promise<ReadonlyMap<string, V>>, maxBatch: number, minIntervalMs = 0) {
    this.#load = load;
    this.#maxBatch = maxBatch;
    this.#minIntervalMs = minIntervalMs;
  }

  load(key: string): Promise<V | undefined> {
    const pending = this.#loading.get(key) ?? this.#queued.get(key);
    if (pending !== undefined) return pending.promise;
    const entry = waiting<V>();
    this.#queued.set(key, entry);
    this.#schedule();
    return entry.promise;
  }

  #schedule(): void {
    if (this.#running || this.#queued.size === 0) return;
    this.#running = true;
    // After this turn's I/O callbacks at the soonest: the handshakes that arrived together share the batch.
    const wait = this.#lastStart + this.#minIntervalMs - performance.now();
    if (wait > 0) setTimeout(() => void this.#runBatch(), wait);
    else setImmediate(() => void this.#runBatch());
  }

  async #runBatch(): Promise<void> {
    this.#lastStart = performance.now();
    for (const [key, entry] of this.#queued) {
      if (this.#loading.size >= this.#maxBatch) break;
      this.#loading.set(key, entry);
      this.#queued.delete(key);
    }
    const keys = [...this.#loading.keys()];
    try {
      const found = await this.#load(keys);
      for (const [key, entry] of this.#loading) entry.resolve(found.get(key));
    } catch (error) {
      for (const entry of this.#loading.values()) entry.reject(error);
    } finally {
      this.#loading.clear();
      this.#running = false;
      this.#schedule();
    }
  }
}
