/**
 * SessionRegistry on JetStream KV: `h.<session>` in the state bucket holds the node (its broker
 * address) and the incarnation whose heartbeat vouches for it. Claims are compare-and-set; an
 * entry whose incarnation's heartbeat is gone counts as absent and may be taken over.
 *
 * The entries of a node that crashed are removed by the node that claims it, once it has removed
 * the crashed node's other entries (`forgetOwner`, called by the membership).
 */
import type { SessionClaim, SessionRegistry } from '../session-registry.js';
import { mapBounded } from './bounded-map.js';
import { isConflict, type KvStore } from './kv-store.js';
import type { NatsNames } from './nats-names.js';
import type { OwnedEntries } from './owned-entries.js';
import { z } from 'zod';
import { parseStored } from '../stored-json.js';

const holder = z.object({ node: z.string(), owner: z.string() });

type Holder = z.output<typeof holder>;

function parseHolder(text: string): Holder | undefined {
  return parseStored(text, holder);
}

const present = (): true => true;

/** Claims racing on one session id: each round trip either wins or sees the winner. */
const MAX_ATTEMPTS = 5;

/** Reads in flight while sweeping a dead node's sessions. */
const SWEEP_CONCURRENCY = 16;

export class NatsSessionRegistry implements SessionRegistry {
  readonly #state: KvStore;
  readonly #alive: KvStore;
  readonly #names: NatsNames;
  readonly #owned: OwnedEntries;
  readonly #nodeId: string;

  constructor(state: KvStore, alive: KvStore, names: NatsNames, owned: OwnedEntries, nodeId: string) {
    this.#state = state;
    this.#alive = alive;
    this.#names = names;
    this.#owned = owned;
    this.#nodeId = nodeId;
  }

  async #live(holder: Holder): Promise<boolean> {
    return (await this.#alive.get(this.#names.alive(holder.owner), present)) !== undefined;
  }

  async claim(id: string): Promise<SessionClaim> {
    const key = this.#names.httpSession(id);
    const mine = JSON.stringify({ node: this.#nodeId, owner: this.#owned.owner });
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
      const current = await this.#state.get(key, parseHolder);
      try {
        if (current === undefined) {
          await this.#state.create(key, mine);
          return { owner: 'self' };
        }
        if (current.value.node === this.#nodeId) {
          // Held by an earlier incarnation of this node (presumed dead, back under a new one).
          if (current.value.owner !== this.#owned.owner) await this.#state.update(key, mine, current.revision);
          return { owner: 'self' };
        }
        if (await this.#live(current.value)) return { owner: 'other', nodeId: current.value.node };
        await this.#state.update(key, mine, current.revision);
        return { owner: 'self' };
      } catch (error) {
        if (!isConflict(error)) throw error;
      }
    }
    throw new Error(`HTTP session ${id}: too many concurrent claims`);
  }

  async find(id: string): Promise<string | undefined> {
    const current = await this.#state.get(this.#names.httpSession(id), parseHolder);
    if (current === undefined) return undefined;
    return (await this.#live(current.value)) ? current.value.node : undefined;
  }

  async release(id: string): Promise<void> {
    const current = await this.#state.get(this.#names.httpSession(id), parseHolder);
    if (current?.value.node === this.#nodeId) await this.#state.removeRevision(current.revision);
  }

  /**
   * Moves the entries of `previous`, an earlier incarnation of this node, to the current one:
   * the node started afresh while still holding those sessions, and a holder whose heartbeat is
   * gone counts as absent (another node would open a second session of the same id).
   */
  async renewOwner(previous: string): Promise<void> {
    const keys = await this.#state.keys(this.#names.httpSessions);
    const mine = JSON.stringify({ node: this.#nodeId, owner: this.#owned.owner });
    await mapBounded(keys, SWEEP_CONCURRENCY, async (key) => {
      const current = await this.#state.get(key, parseHolder);
      if (current?.value.owner !== previous) return;
      try {
        await this.#state.update(key, mine, current.revision);
      } catch (error) {
        // Another node took it over meanwhile: it stands.
        if (!isConflict(error)) throw error;
      }
    });
  }

  /**
   * Removes every entry held by the dead incarnation `owner`. An entry another node took over in
   * the meantime has a new revision and is left alone.
   */
  async forgetOwner(owner: string): Promise<void> {
    const keys = await this.#state.keys(this.#names.httpSessions);
    await mapBounded(keys, SWEEP_CONCURRENCY, async (key) => {
      const current = await this.#state.get(key, parseHolder);
      if (current?.value.owner === owner) await this.#state.removeRevision(current.revision);
    });
  }
}
