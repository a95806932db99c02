/**
 * Atomic read-modify-write of one KV record: read it with its revision, apply the change, write it
 * back only if nobody wrote it meanwhile (compare-and-set), else read again and retry. That is
 * what makes each transition (first subscriber, a user's last connection...) visible to exactly
 * one caller in the cluster: the change that wins the write is the only one that happened.
 *
 * Changes to the same key made on this node at the same time are combined: while one write of a
 * key is in flight, the changes that arrive queue up and the next write applies them all in
 * order, each seeing the record as the one before it left it, and each gets its own result. So a
 * burst of joins to one channel costs a few writes instead of one per join plus a storm of
 * conflicts between them. Only writes from other nodes can conflict.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { isConflict, type KvStore } from './kv-store.js';

/** What a change leaves: the new record (undefined removes it) and what the caller learns. */
export interface Outcome<T, R> {
  readonly value: T | undefined;
  readonly result: R;
}

/**
 * A change to a record. It may be run more than once (after a conflict), each time on a fresh
 * copy of the record, which it may modify in place; it must not touch anything else.
 */
export type Change<T, R> = (value: T | undefined) => Outcome<T, R>;

export interface RecordCodec<T> {
  parse(text: string): T | undefined;
  format(value: T): string;
}

interface Queued<T> {
  readonly change: Change<T, unknown>;
  /** Must have succeeded before the change is written (e.g. the ownership record it needs). */
  readonly after: Promise<unknown> | undefined;
  resolve(result: unknown): void;
  reject(error: unknown): void;
}

/** Conflicts with other nodes after which a change gives up (each conflict is another node's win). */
const MAX_ATTEMPTS = 100;

export class RecordTransactions<T> {
  readonly #store: KvStore;
  readonly #codec: RecordCodec<T>;
  readonly #onError: (error: unknown, what: string) => void;
  readonly #queues = new Map<string, Queued<T>[]>();

  constructor(store: KvStore, codec: RecordCodec<T>, onError: (error: unknown, what: string) => void) {
    this.#store = store;
    this.#codec = codec;
    this.#onError = onError;
  }

  /** Reads the record (undefined when absent). */
  async read(key: string): Promise<T | undefined> {
    return (await this.#store.get(key, (text) => this.#codec.parse(text)))?.value;
  }

  /** Applies `change` atomically; `after` must succeed before the change is written. */
  transact<R>(key: string, change: Change<T, R>, after?: Promise<unknown>): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const queued: Queued<T> = { change, after, resolve, reject };
      const queue = this.#queues.get(key);
      if (queue !== undefined) {
        queue.push(queued);
        return;
      }
      this.#queues.set(key, [queued]);
      void this.#drain(key);
    });
  }

  /** Writes the queued changes of `key` batch after batch; never rejects. */
  async #drain(key: string): Promise<void> {
    for (;;) {
      const queue = this.#queues.get(key) ?? [];
      const batch = queue.splice(0);
      if (batch.length === 0) {
        this.#queues.delete(key);
        return;
      }
      try {
        await this.#commit(key, batch);
      } catch (error) {
        for (const queued of batch) queued.reject(error);
      }
    }
  }

  async #commit(key: string, queued: Queued<T>[]): Promise<void> {
    let batch = queued;
    for (let attempt = 1; ; attempt += 1) {
      const reading = this.#store.get(key, (text) => this.#codec.parse(text));
      if (attempt === 1) {
        // Read while the prerequisites finish; a failed read is thrown by the await below.
        reading.catch(() => undefined);
        batch = await this.#ready(batch);
      }
      const stored = await reading;
      let value = stored?.value;
      const results: unknown[] = [];
      for (const { change } of batch) {
        const outcome = change(value);
        value = outcome.value;
        results.push(outcome.result);
      }
      try {
        await this.#write(key, stored, value);
      } catch (error) {
        if (!isConflict(error) || attempt >= MAX_ATTEMPTS) throw error;
        // Another node won this round; let the others through before reading again.
        if (attempt > 1) await delay(Math.random() * Math.min(50, 2 ** attempt));
        continue;
      }
      batch.forEach((entry, index) => entry.resolve(results[index]));
      return;
    }
  }

  /** The changes whose prerequisites succeeded; the others are rejected with their reason. */
  async #ready(batch: Queued<T>[]): Promise<Queued<T>[]> {
    if (batch.every((entry) => entry.after === undefined)) return batch;
    const settled = await Promise.allSettled(batch.map((entry) => entry.after ?? Promise.resolve()));
    return batch.filter((entry, index) => {
      const outcome = settled[index];
      if (outcome?.status !== 'rejected') return true;
      entry.reject(outcome.reason);
      return false;
    });
  }

  async #write(key: string, stored: { revision: number; text: string } | undefined, value: T | undefined): Promise<void> {
    if (value === undefined) {
      if (stored === undefined) return;
      const emptied = await this.#store.update(key, '', stored.revision);
      // The change is committed; removing the emptied message only keeps the stream small.
      await this.#store.removeRevision(emptied).catch((error: unknown) => this.#onError(error, `removing ${key}`));
      return;
    }
    const text = this.#codec.format(value);
    if (stored === undefined) await this.#store.create(key, text);
    else if (text !== stored.text) await this.#store.update(key, text, stored.revision);
  }
}
