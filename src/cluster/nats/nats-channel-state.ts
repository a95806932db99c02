/**
 * ChannelState on JetStream KV. Each channel is one record (channel-record.ts) changed by
 * compare-and-set, so each transition is seen by exactly one node; a join or leave is two round
 * trips (read, write), with the ownership key written alongside.
 *
 * Debounced transitions live in the channel record, where a join can cancel them atomically. A
 * hint key per channel (`p.<app>.<channel>`, value: when the earliest is due) lets any node find
 * them: a leave that leaves something pending writes the hint after its change, and a node that
 * takes the due transitions reads the hint before changing the record and deletes it only at the
 * revision it read, so a hint is never lost while something is pending. (A leave whose node dies
 * before writing the hint still has its ownership key; the survivor's repeat of the leave writes it.)
 */
import type {
  ChannelState,
  ChannelSummary,
  DueTransition,
  JoinRequest,
  JoinResult,
  LeaveRequest,
  LeaveResult,
  PresenceMember,
} from '../channel-state.js';
import { mapBounded } from './bounded-map.js';
import { join, leave, membersOf, summaryOf, takeDue, type ChannelRecord } from './channel-record.js';
import { isConflict, type KvStore } from './kv-store.js';
import type { NatsNames } from './nats-names.js';
import type { OwnedEntries } from './owned-entries.js';
import type { RecordTransactions } from './record-transactions.js';
import { z } from 'zod';
import { parseStored } from '../stored-json.js';

/** Records read at once when listing channels. */
const READ_CONCURRENCY = 32;

/** Hints worked on at once by one takeDueTransitions call. */
const TAKE_CONCURRENCY = 16;

const hint = z.object({ due: z.number() });

function parseHint(text: string): { readonly due: number } | undefined {
  return parseStored(text, hint);
}

export interface NatsChannelStateOptions {
  readonly store: KvStore;
  readonly records: RecordTransactions<ChannelRecord>;
  readonly owned: OwnedEntries;
  readonly names: NatsNames;
  readonly now: () => number;
  readonly onError: (error: unknown, what: string) => void;
}

export class NatsChannelState implements ChannelState {
  readonly #options: NatsChannelStateOptions;

  constructor(options: NatsChannelStateOptions) {
    this.#options = options;
  }

  async join(request: JoinRequest): Promise<JoinResult> {
    const { records, owned, names } = this.#options;
    const { appId, channel, socketId, member } = request;
    const key = names.channel(appId, channel);
    const memberKey = member === undefined ? undefined : String(member.userId);
    const result = await owned.add(
      { kind: 'subscription', appId, channel, socketId },
      memberKey,
      (written, owner) =>
        records.transact(
          key,
          (record) =>
            join(record, {
              nodeId: owner,
              member,
              maxMembers: member === undefined ? undefined : request.maxMembers,
              debounce: request.transitionDelayMs !== undefined,
            }),
          written,
        ),
      (outcome) => outcome.ok,
    );
    if (result !== undefined) return result;
    // A repeated join of a socket changes nothing.
    const record = await records.read(key);
    return {
      ok: true,
      subscriptionCount: summaryOf(record).subscriptionCount,
      occupied: false,
      memberAdded: false,
      memberAddedReported: false,
      presence: member === undefined ? undefined : membersOf(record),
    };
  }

  async leave(request: LeaveRequest): Promise<LeaveResult> {
    const { records, owned, names, store, now } = this.#options;
    const { appId, channel, socketId, transitionDelayMs } = request;
    const key = names.channel(appId, channel);
    const dueAt = transitionDelayMs === undefined ? undefined : now() + transitionDelayMs;
    const outcome = await owned.remove({ kind: 'subscription', appId, channel, socketId }, async (held) => {
      const result = await records.transact(key, (record) => leave(record, { nodeId: held.owner, memberKey: held.memberKey, dueAt }));
      if (result.nextDue !== undefined) {
        try {
          await store.put(names.pendingHint(appId, channel), JSON.stringify({ due: result.nextDue }));
        } catch (error) {
          // The leave happened and its result must reach the caller; the next leave on the channel
          // that leaves something pending writes the hint again.
          this.#options.onError(error, 'writing a pending-transition hint');
        }
      }
      return result;
    });
    if (outcome === undefined) {
      // Not a subscriber (or no longer): nothing changes.
      const record = await records.read(key);
      return { subscriptionCount: summaryOf(record).subscriptionCount, memberRemoved: false, userId: undefined, vacated: false };
    }
    const { subscriptionCount, memberRemoved, userId, vacated } = outcome;
    return { subscriptionCount, memberRemoved, userId, vacated };
  }

  async takeDueTransitions(now: number, limit: number): Promise<readonly DueTransition[]> {
    const { store, names } = this.#options;
    const hints = await store.keys(names.pendingHints);
    // Nodes sweep at the same moments; starting at different places spares them conflicts.
    shuffle(hints);
    const taken: DueTransition[] = [];
    let next = 0;
    while (next < hints.length && taken.length < limit) {
      const remaining = limit - taken.length;
      const chunk = hints.slice(next, next + Math.min(TAKE_CONCURRENCY, remaining));
      next += chunk.length;
      // Each hint may yield at most its share, so the chunk never claims more than `remaining`.
      const share = Math.floor(remaining / chunk.length);
      const results = await Promise.allSettled(chunk.map((hint) => this.#takeFrom(hint, now, share)));
      for (const result of results) {
        if (result.status === 'fulfilled') taken.push(...result.value);
        else this.#options.onError(result.reason, 'taking due transitions');
      }
    }
    return taken;
  }

  /** Claims the due transitions of the channel a hint points at; never loses a claimed one. */
  async #takeFrom(hintKey: string, now: number, limit: number): Promise<DueTransition[]> {
    const { store, names, records } = this.#options;
    const target = names.parsePendingHint(hintKey);
    if (target === undefined) {
      await store.purge(hintKey);
      return [];
    }
    const hint = await store.get(hintKey, parseHint);
    if (hint === undefined || hint.value.due > now) return [];
    const { appId, channel } = target;
    const result = await records.transact(names.channel(appId, channel), (record) => takeDue(record, now, limit));
    try {
      if (result.nextDue === undefined) await store.removeRevision(hint.revision);
      else if (result.nextDue !== hint.value.due) await store.update(hintKey, JSON.stringify({ due: result.nextDue }), hint.revision);
    } catch (error) {
      // A newer hint was written meanwhile (it stands), or NATS failed: the claim still counts.
      if (!isConflict(error)) this.#options.onError(error, 'updating a pending-transition hint');
    }
    return result.due.map((transition) => ({ appId, channel, transition }));
  }

  async summary(appId: string, channel: string): Promise<ChannelSummary> {
    return summaryOf(await this.#options.records.read(this.#options.names.channel(appId, channel)));
  }

  async list(appId: string, prefix: string): Promise<ReadonlyMap<string, ChannelSummary>> {
    const { store, names, records } = this.#options;
    // Names are encoded in the keys, so the prefix is matched here, on the app's channel list.
    const keys = await store.keys(names.channelsOf(appId));
    const channels = keys.flatMap((key) => {
      const channel = names.parseChannel(key);
      return channel !== undefined && channel.startsWith(prefix) ? [channel] : [];
    });
    const summaries = await mapBounded(channels, READ_CONCURRENCY, async (channel) => summaryOf(await records.read(names.channel(appId, channel))));
    const out = new Map<string, ChannelSummary>();
    channels.forEach((channel, index) => {
      const summary = summaries[index];
      if (summary !== undefined && summary.subscriptionCount > 0) out.set(channel, summary);
    });
    return out;
  }

  async members(appId: string, channel: string): Promise<readonly PresenceMember[]> {
    return membersOf(await this.#options.records.read(this.#options.names.channel(appId, channel)));
  }
}

function shuffle(items: string[]): void {
  for (let index = items.length - 1; index > 0; index -= 1) {
    const other = Math.floor(Math.random() * (index + 1));
    [items[index], items[other]] = [items[other] as string, items[index] as string];
  }
}
