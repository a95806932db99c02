/**
 * One JetStream KV bucket as the NATS cluster state uses it: JSON values with their revisions,
 * compare-and-set writes, and removal that leaves nothing behind.
 *
 * KV's own delete and purge leave a marker message per key for ever, and this state creates keys
 * per channel, connection and subscription; so a key is removed by deleting its message from the
 * stream by sequence instead (after a compare-and-set where others may write the key), and a
 * removed key reads as absent. Listing keys asks the stream for its subjects (one request) rather
 * than running a consumer over the bucket.
 *
 * Every call fails at once with NatsUnavailableError while NATS is unreachable.
 */
import { JetStreamApiCodes, JetStreamApiError, type JetStreamManager } from '@nats-io/jetstream';
import type { KV, KvOptions } from '@nats-io/kv';
import { Kvm } from '@nats-io/kv';
import { millis, nanos } from '@nats-io/transport-node';
import type { NatsLink } from './nats-link.js';

export interface Stored<T> {
  readonly value: T;
  readonly revision: number;
  /** The value as stored, to tell whether a change rewrote it. */
  readonly text: string;
}

/** Another writer changed the key since it was read. */
export function isConflict(error: unknown): boolean {
  return (
    error instanceof JetStreamApiError &&
    (error.code === JetStreamApiCodes.StreamWrongLastSequence || error.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown)
  );
}

/** JetStream's "no message with that sequence": the key was already removed or rewritten. */
const SEQUENCE_NOT_FOUND = 10043;

function isMissingMessage(error: unknown): boolean {
  return error instanceof JetStreamApiError && (error.code === SEQUENCE_NOT_FOUND || error.code === JetStreamApiCodes.NoMessageFound);
}

export type BucketSettings = Partial<Pick<KvOptions, 'storage' | 'ttl' | 'replicas'>>;

export class KvStore {
  readonly #link: NatsLink;
  readonly #kv: KV;
  readonly #jsm: JetStreamManager;
  readonly #stream: string;
  readonly #subjectPrefix: string;

  private constructor(link: NatsLink, kv: KV, jsm: JetStreamManager, bucket: string) {
    this.#link = link;
    this.#kv = kv;
    this.#jsm = jsm;
    this.#stream = `KV_${bucket}`;
    this.#subjectPrefix = `$KV.${bucket}.`;
  }

  /** Opens the bucket, creating it with `settings` if it does not exist. */
  static async open(link: NatsLink, jsm: JetStreamManager, bucket: string, settings: BucketSettings): Promise<KvStore> {
    const kv = await new Kvm(jsm.jetstream()).create(bucket, { history: 1, ...settings });
    return new KvStore(link, kv, jsm, bucket);
  }

  /** The live value and its revision; undefined when the key is absent or removed. */
  async get<T>(key: string, parse: (text: string) => T | undefined): Promise<Stored<T> | undefined> {
    this.#link.assertConnected();
    const entry = await this.#kv.get(key);
    if (entry === null || entry.operation !== 'PUT' || entry.length === 0) return undefined;
    const text = entry.string();
    const value = parse(text);
    return value === undefined ? undefined : { value, revision: entry.revision, text };
  }

  /** Writes only if the key is absent; throws a conflict otherwise. Returns the revision. */
  create(key: string, text: string): Promise<number> {
    this.#link.assertConnected();
    return this.#kv.put(key, text, { previousSeq: 0 });
  }

  /** Writes only if the key is still at `revision`; throws a conflict otherwise. */
  update(key: string, text: string, revision: number): Promise<number> {
    this.#link.assertConnected();
    return this.#kv.put(key, text, { previousSeq: revision });
  }

  put(key: string, text: string): Promise<number> {
    this.#link.assertConnected();
    return this.#kv.put(key, text);
  }

  /** Deletes one message; a message that is already gone (superseded or removed) is fine. */
  async removeRevision(revision: number): Promise<void> {
    this.#link.assertConnected();
    try {
      await this.#jsm.streams.deleteMessage(this.#stream, revision, false);
    } catch (error) {
      if (!isMissingMessage(error)) throw error;
    }
  }

  /** Removes a key whatever its revision (for keys with a single writer). */
  async purge(key: string): Promise<void> {
    this.#link.assertConnected();
    await this.#jsm.streams.purge(this.#stream, { filter: this.#subjectPrefix + key });
  }

  /** The keys matching a KV filter (`a.*`, `a.>`), in no particular order. */
  async keys(filter: string): Promise<string[]> {
    this.#link.assertConnected();
    const info = await this.#jsm.streams.info(this.#stream, { subjects_filter: this.#subjectPrefix + filter });
    return Object.keys(info.state.subjects ?? {}).map((subject) => subject.slice(this.#subjectPrefix.length));
  }

  /** The bucket's max age in milliseconds (0: values never expire). */
  async maxAgeMs(): Promise<number> {
    this.#link.assertConnected();
    const info = await this.#jsm.streams.info(this.#stream);
    return millis(info.config.max_age);
  }

  async setMaxAgeMs(maxAgeMs: number): Promise<void> {
    this.#link.assertConnected();
    await this.#jsm.streams.update(this.#stream, { max_age: nanos(maxAgeMs) });
  }
}
