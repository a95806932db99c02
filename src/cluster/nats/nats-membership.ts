/**
 * NodeMembership on JetStream KV.
 *
 * - Heartbeat: a key per node incarnation in the alive bucket, whose max age is the node timeout
 *   (JetStream removes it when the node stops refreshing it), rewritten several times per timeout
 *   with compare-and-set on its last revision. A failed write means the beat lapsed: the key
 *   expired, or the store restarted without it.
 * - Registration: `n.<incarnation>` in the state bucket, written at start. A node claims a dead
 *   one by rewriting its registration with compare-and-set at the revision it read before seeing
 *   the heartbeat missing, so each dead node is claimed once. A node whose beat lapsed rewrites
 *   its own registration at its last revision after beating again: if that succeeds nobody claimed
 *   it (and nobody can any more, the claim would fail); if it fails the node was claimed or the
 *   store lost it, so it takes a new incarnation and reports itself lost.
 * - The claimer lists the dead incarnation's ownership keys and hands the entries to the engine.
 *   It keeps the claim (the rewritten registration) until no ownership key is left, listing again
 *   on each pass, so entries whose removal failed are retried, and a claimer that dies mid-way is
 *   itself claimed and its claims taken over. Removing an entry twice is harmless (counts of a
 *   node stop at zero).
 * - For one node timeout after connecting, and after reconnecting for one node timeout more than
 *   the longest reconnection wait, a node claims nobody: after a NATS outage every heartbeat may
 *   have expired, and the others, which may reconnect up to that wait later, need a beat to show
 *   they live.
 * - A node that doubts its entries (a change failed: applied or not, nobody knows) starts afresh
 *   (`ownEntries`): it registers a new incarnation and switches to it, still beating for the
 *   previous one. The engine then re-asserts every live entry under the new incarnation and calls
 *   `reconciled`, which drops the previous heartbeats; only then can a previous incarnation be
 *   claimed like a dead node (possibly by this node): what it held and no live connection backs
 *   goes away, exactly once, and the live entries stay, counted under the new incarnation too.
 *   Dropping the previous heartbeat before the re-assertion would let a survivor remove a live
 *   member (and the node re-add it) in between. Counts per incarnation are why a node starts
 *   afresh: removing an entry whose removal may already have been applied is not idempotent.
 */
import type { NodeMembership, OwnedEntry } from '../ownership.js';
import { isConflict, type KvStore } from './kv-store.js';
import type { NatsLink } from './nats-link.js';
import { isNatsOutage, LONGEST_RECONNECT_WAIT_MS } from './nats-link.js';
import type { NatsNames } from './nats-names.js';
import { nodeOfOwner, type OwnedEntries } from './owned-entries.js';
import { z } from 'zod';
import { parseStored } from '../stored-json.js';

export interface MembershipOptions {
  readonly nodeId: string;
  readonly state: KvStore;
  readonly alive: KvStore;
  readonly names: NatsNames;
  readonly owned: OwnedEntries;
  readonly link: NatsLink;
  /** The alive bucket's max age: a node silent this long is dead. */
  readonly ttlMs: number;
  /** Recreates the buckets if they vanished (JetStream storage lost). */
  readonly ensureBuckets: () => Promise<void>;
  /**
   * Called once a claimed incarnation has no ownership key left, before the claim is released,
   * to remove what it left outside ownership keys; if it throws, the next pass calls it again.
   */
  readonly onOrphanCleared?: (incarnation: string) => Promise<void>;
  /**
   * Called after this node started afresh, to move what it registered under the previous
   * incarnation and still holds (HTTP sessions); a failure is reported, not retried.
   */
  readonly onStartedAfresh?: (previous: string) => Promise<void>;
  readonly onError: (error: unknown, what: string) => void;
}

/** `claimedBy`: set once another node claimed this incarnation. */
const registration = z.object({ claimedBy: z.string().optional() });

function parseRegistration(text: string): z.output<typeof registration> | undefined {
  return parseStored(text, registration);
}

const present = (): true => true;

/**
 * Previous incarnations kept beating at most, should passes keep failing after starting afresh;
 * beyond it the oldest is let go (it may then be claimed before its entries are re-asserted).
 */
const MAX_PREVIOUS_INCARNATIONS = 8;

/** An incarnation this node left but keeps alive until its live entries are re-asserted. */
interface PreviousIncarnation {
  readonly owner: string;
  aliveRevision: number;
}

/** A heartbeat's value (an empty value would read as removed). */
const BEAT = '1';

export class NatsMembership implements NodeMembership {
  readonly nodeId: string;
  readonly #options: MembershipOptions;
  readonly #listeners: (() => void)[] = [];
  /** Dead incarnations this node claimed -> the revision of the claim. */
  readonly #claims = new Map<string, number>();
  /** Left by starting afresh, still beating until `reconciled`; oldest first. */
  readonly #previous: PreviousIncarnation[] = [];
  #aliveRevision = 0;
  #registrationRevision = 0;
  #timer: NodeJS.Timeout | undefined;
  #beating: Promise<void> | undefined;

  constructor(options: MembershipOptions) {
    this.nodeId = options.nodeId;
    this.#options = options;
  }

  /** Registers this node and keeps its heartbeat fresh (four beats per timeout). */
  async start(): Promise<void> {
    await this.#register();
    this.#timer = setInterval(() => {
      this.#beating ??= this.#beat().finally(() => (this.#beating = undefined));
    }, Math.max(100, Math.floor(this.#options.ttlMs / 4)));
    this.#timer.unref();
  }

  /** Heartbeat first: a node that finds the registration must find the heartbeat too. */
  async #register(): Promise<void> {
    const revisions = await this.#registerAs(this.#options.owned.owner);
    this.#aliveRevision = revisions.alive;
    this.#registrationRevision = revisions.registration;
  }

  async #registerAs(owner: string): Promise<{ alive: number; registration: number }> {
    const { alive, state, names } = this.#options;
    const aliveRevision = await alive.put(names.alive(owner), BEAT);
    const registration = await state.put(names.node(owner), JSON.stringify({ node: this.nodeId }));
    return { alive: aliveRevision, registration };
  }

  async #beat(): Promise<void> {
    await this.#beatCurrent();
    await this.#beatPrevious();
  }

  async #beatCurrent(): Promise<void> {
    const { alive, state, names, owned } = this.#options;
    try {
      try {
        this.#aliveRevision = await alive.update(names.alive(owned.owner), BEAT, this.#aliveRevision);
        return;
      } catch (error) {
        if (isNatsOutage(error)) return;
        // Not a lapse but a broken store (e.g. JetStream lost its buckets): bring them back.
        if (!isConflict(error)) await this.#options.ensureBuckets();
      }
      this.#aliveRevision = await alive.put(names.alive(owned.owner), BEAT);
      try {
        this.#registrationRevision = await state.update(
          names.node(owned.owner),
          JSON.stringify({ node: this.nodeId }),
          this.#registrationRevision,
        );
        return;
      } catch (error) {
        if (!isConflict(error)) throw error;
      }
      // Claimed by another node, or lost with the store: start over as a new incarnation.
      await alive.removeRevision(this.#aliveRevision);
      owned.renew();
      this.#claims.clear();
      await this.#register();
      for (const listener of this.#listeners) listener();
    } catch (error) {
      if (!isNatsOutage(error)) this.#options.onError(error, 'heartbeat');
    }
  }

  /** Keeps the previous incarnations alive; one whose beat lapsed anyway is let go. */
  async #beatPrevious(): Promise<void> {
    const { alive, names } = this.#options;
    for (const previous of [...this.#previous]) {
      if (!this.#previous.includes(previous)) continue;
      try {
        previous.aliveRevision = await alive.update(names.alive(previous.owner), BEAT, previous.aliveRevision);
      } catch (error) {
        if (isNatsOutage(error)) return;
        this.#forget(previous);
        if (!isConflict(error)) this.#options.onError(error, 'heartbeat of a previous incarnation');
      }
    }
  }

  #forget(previous: PreviousIncarnation): void {
    const index = this.#previous.indexOf(previous);
    if (index !== -1) this.#previous.splice(index, 1);
  }

  onLost(listener: () => void): void {
    this.#listeners.push(listener);
  }

  /**
   * The nodes with a heartbeat in the alive bucket: an expired or removed heartbeat's message is
   * gone from the stream, so listing its keys (one request) is the live set. A node briefly holds
   * two heartbeats while it starts afresh; it is one node.
   */
  async liveNodes(): Promise<readonly string[]> {
    const { alive, names } = this.#options;
    const incarnations = (await alive.keys(names.aliveKeys)).flatMap((key) => names.parseAlive(key) ?? []);
    return [...new Set(incarnations.map(nodeOfOwner))];
  }

  /** Starts afresh as a new incarnation that owns nothing (see the top of this file). */
  async ownEntries(): Promise<readonly OwnedEntry[]> {
    this.#options.link.assertConnected();
    while (this.#beating !== undefined) await this.#beating;
    const renewing = this.#startAfresh();
    this.#beating = renewing.then(
      () => undefined,
      () => undefined,
    ).finally(() => (this.#beating = undefined));
    const previous = await renewing;
    try {
      await this.#options.onStartedAfresh?.(previous);
    } catch (error) {
      this.#options.onError(error, 'moving HTTP sessions to the new incarnation');
    }
    return [];
  }

  /**
   * Registers the next incarnation before switching to it, so that a failure leaves this node
   * on the current one (the caller tries again); the previous one keeps beating until
   * `reconciled`. Returns the previous one.
   */
  async #startAfresh(): Promise<string> {
    const { owned } = this.#options;
    const revisions = await this.#registerAs(owned.successor);
    const previous: PreviousIncarnation = { owner: owned.owner, aliveRevision: this.#aliveRevision };
    owned.renew();
    this.#aliveRevision = revisions.alive;
    this.#registrationRevision = revisions.registration;
    this.#claims.clear();
    this.#previous.push(previous);
    const oldest = this.#previous.length > MAX_PREVIOUS_INCARNATIONS ? this.#previous[0] : undefined;
    if (oldest !== undefined) await this.#letGo([oldest]);
    return previous.owner;
  }

  /** The live entries are re-asserted: the previous incarnations can be claimed at once. */
  async reconciled(): Promise<void> {
    while (this.#beating !== undefined) await this.#beating;
    await this.#letGo([...this.#previous]);
  }

  /** Stops beating for these incarnations and drops their heartbeats. */
  async #letGo(incarnations: readonly PreviousIncarnation[]): Promise<void> {
    for (const previous of incarnations) this.#forget(previous);
    for (const previous of incarnations) {
      try {
        await this.#options.alive.removeRevision(previous.aliveRevision);
      } catch (error) {
        // It expires on its own within the node timeout.
        if (!isNatsOutage(error)) this.#options.onError(error, 'removing a previous heartbeat');
      }
    }
  }

  async claimOrphans(): Promise<readonly OwnedEntry[]> {
    const { link, ttlMs, state, names, owned } = this.#options;
    if (link.connectedForMs < ttlMs + (link.reconnected ? LONGEST_RECONNECT_WAIT_MS : 0)) return [];
    const self = owned.owner;
    const incarnations = (await state.keys(names.nodes)).flatMap((key) => names.parseNode(key) ?? []);
    for (const incarnation of incarnations) {
      if (incarnation === self || this.#claims.has(incarnation)) continue;
      await this.#tryClaim(incarnation);
    }
    const entries: OwnedEntry[] = [];
    for (const [incarnation, revision] of this.#claims) entries.push(...(await this.#collect(incarnation, revision)));
    return entries;
  }

  /** Claims an incarnation whose heartbeat is gone (unless its claimer still lives). */
  async #tryClaim(incarnation: string): Promise<void> {
    const { state, alive, names, owned } = this.#options;
    const registration = await state.get(names.node(incarnation), parseRegistration);
    if (registration === undefined) return;
    if ((await alive.get(names.alive(incarnation), present)) !== undefined) return;
    const claimer = registration.value.claimedBy;
    if (claimer !== undefined && (await alive.get(names.alive(claimer), present)) !== undefined) return;
    try {
      const revision = await state.update(names.node(incarnation), JSON.stringify({ claimedBy: owned.owner }), registration.revision);
      this.#claims.set(incarnation, revision);
    } catch (error) {
      if (!isConflict(error)) throw error;
      // Another node claimed it first, or it beat again.
    }
  }

  /**
   * The claimed incarnation's entries not yet being removed; once none is left, the claim is
   * released. A claim that was overwritten (the node came back, or was claimed again) is dropped.
   */
  async #collect(incarnation: string, revision: number): Promise<OwnedEntry[]> {
    const { state, names, owned } = this.#options;
    const current = await state.get(names.node(incarnation), parseRegistration);
    if (current?.revision !== revision) {
      this.#claims.delete(incarnation);
      return [];
    }
    const keys = await state.keys(names.ownedBy(incarnation));
    if (keys.length === 0) {
      await this.#options.onOrphanCleared?.(incarnation);
      this.#claims.delete(incarnation);
      await state.removeRevision(revision);
      return [];
    }
    return keys.flatMap((key) => {
      const parsed = names.parseOwned(key);
      return parsed !== undefined && owned.adopt(parsed.entry, parsed.memberKey, key, incarnation) ? [parsed.entry] : [];
    });
  }

  /**
   * Stops heartbeating and removes the heartbeat, so the other nodes claim whatever this node
   * still owns at once instead of after the timeout.
   */
  async stop(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    await this.#beating;
    await this.#letGo([...this.#previous]);
    await this.#options.alive.removeRevision(this.#aliveRevision);
  }
}
