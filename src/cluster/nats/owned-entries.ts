/**
 * What this node holds in the NATS state. Every subscription, connection and signed-in socket it
 * adds is written as an ownership key of its own (`o.<owner>.<entry>`) before it is counted, and
 * removed after it is uncounted; so a survivor finds every entry a dead node may have counted
 * (see nats-membership.ts). The node also remembers its entries here, which is how it knows that
 * a join is a repeat or a leave is of a socket it never added, without asking NATS.
 *
 * The owner is this node's current incarnation: when the node learns it was presumed dead, it
 * forgets everything, takes a new incarnation and adds its entries again (the engine restores
 * them), while a survivor removes what the old incarnation left. Both are exact, because each
 * incarnation's counts are its own.
 *
 * Entries claimed from a dead node are held here too, apart, under that node's id, until removed.
 * A node may claim an earlier incarnation of its own, so the same entry can be held both as this
 * incarnation's and as a claimed one; a removal takes the claimed one first (see `remove`).
 */
import { encodeOwned, type OwnedEntry } from '../ownership.js';
import type { KvStore } from './kv-store.js';
import type { NatsNames } from './nats-names.js';

/** An ownership key's value; everything is in the key, and an empty value would read as removed. */
const OWNED = '1';

export interface Held {
  /** The ownership key. */
  readonly key: string;
  /** Whose counts the entry is in: this node's incarnation, or the dead node it was claimed from. */
  readonly owner: string;
  readonly memberKey: string | undefined;
  /** Settles once the entry is counted (or failed to be). */
  readonly counted: Promise<unknown>;
}

/** The node an incarnation (an `owner`, `<nodeId>#<n>`) belongs to. */
export function nodeOfOwner(owner: string): string {
  const mark = owner.lastIndexOf('#');
  return mark === -1 ? owner : owner.slice(0, mark);
}

export class OwnedEntries {
  readonly #store: KvStore;
  readonly #names: NatsNames;
  readonly #nodeId: string;
  readonly #onError: (error: unknown, what: string) => void;
  /** This incarnation's entries, by encoded entry. */
  readonly #held = new Map<string, Held>();
  /** Entries claimed from dead incarnations: encoded entry -> owner -> held. */
  readonly #adopted = new Map<string, Map<string, Held>>();
  #incarnation = 0;

  constructor(store: KvStore, names: NatsNames, nodeId: string, onError: (error: unknown, what: string) => void) {
    this.#store = store;
    this.#names = names;
    this.#nodeId = nodeId;
    this.#onError = onError;
  }

  /** The id this node's entries, counts, heartbeat and registration are under. */
  get owner(): string {
    return `${this.#nodeId}#${this.#incarnation}`;
  }

  /** The owner of the next incarnation, which `renew` switches to. */
  get successor(): string {
    return `${this.#nodeId}#${this.#incarnation + 1}`;
  }

  /**
   * Forgets every entry and starts a new incarnation (the previous one was claimed or lost, or
   * this node starts afresh; whoever claims the previous one removes what it holds).
   */
  renew(): void {
    this.#held.clear();
    this.#adopted.clear();
    this.#incarnation += 1;
  }

  /**
   * Adds an entry: writes its ownership key, and `count`s it under `owner` once that write
   * succeeded (the count's own read overlaps the write). Resolves undefined when the entry is already held: a
   * repeat changes nothing. When `kept` says the count refused the entry, it is forgotten again.
   */
  async add<R>(
    entry: OwnedEntry,
    memberKey: string | undefined,
    count: (written: Promise<unknown>, owner: string) => Promise<R>,
    kept: (result: R) => boolean,
  ): Promise<R | undefined> {
    const id = encodeOwned(entry);
    if (this.#held.has(id)) return undefined;
    const owner = this.owner;
    const key = this.#names.owned(owner, entry, memberKey);
    const written = this.#store.put(key, OWNED);
    const counted = count(written, owner);
    const held: Held = { key, owner, memberKey, counted };
    this.#held.set(id, held);
    try {
      const result = await counted;
      if (!kept(result)) {
        this.#forget(id, held);
        await this.#purge(key);
      } else if (owner !== this.owner) {
        // The node renewed its incarnation while this entry was being counted under the previous
        // one, which is cleaned up like a dead node's: count it again under the current one. The
        // caller reports the first count's transitions (the second sees the entry present).
        await this.add(entry, memberKey, count, kept);
      }
      return result;
    } catch (error) {
      // The count may or may not have been applied; the ownership key stays so that whoever
      // cleans up after this incarnation takes it away (a count of zero stays zero).
      this.#forget(id, held);
      throw error;
    }
  }

  /**
   * Removes an entry: `uncount`s it, then deletes its ownership key. Resolves undefined when the
   * entry is not held (never added, already removed, or its add failed).
   */
  async remove<R>(entry: OwnedEntry, uncount: (held: Held) => Promise<R>): Promise<R | undefined> {
    const id = encodeOwned(entry);
    // A claimed copy goes first: the one a survivor's removal is for. Should the live connection
    // close meanwhile, its own removal takes the claimed copy and the survivor's the live one, and
    // both are gone all the same.
    const held = this.#takeAdopted(id) ?? this.#held.get(id);
    if (held === undefined) return undefined;
    if (this.#held.get(id) === held) this.#held.delete(id);
    try {
      await held.counted;
    } catch {
      return undefined;
    }
    const result = await uncount(held);
    await this.#purge(held.key);
    return result;
  }

  /** Holds an entry claimed from a dead node, so that removing it takes away that node's count. */
  adopt(entry: OwnedEntry, memberKey: string | undefined, key: string, owner: string): boolean {
    const id = encodeOwned(entry);
    let owners = this.#adopted.get(id);
    if (owners?.has(owner) === true) return false;
    if (owners === undefined) {
      owners = new Map();
      this.#adopted.set(id, owners);
    }
    owners.set(owner, { key, owner, memberKey, counted: Promise.resolve() });
    return true;
  }

  #takeAdopted(id: string): Held | undefined {
    const owners = this.#adopted.get(id);
    if (owners === undefined) return undefined;
    const first = owners.values().next();
    if (first.done === true) return undefined;
    const held = first.value;
    owners.delete(held.owner);
    if (owners.size === 0) this.#adopted.delete(id);
    return held;
  }

  #forget(id: string, held: Held): void {
    if (this.#held.get(id) === held) this.#held.delete(id);
  }

  async #purge(key: string): Promise<void> {
    try {
      await this.#store.purge(key);
    } catch (error) {
      // The count is already right. A leftover key only matters when this incarnation is cleaned
      // up after: taking its entry away again stops at the incarnation's zero, so the end state holds.
      this.#onError(error, 'removing an ownership key');
    }
  }
}
