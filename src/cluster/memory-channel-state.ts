/** ChannelState for a single node: plain maps, so every operation is trivially atomic. */
import type {
  ChannelState,
  ChannelSummary,
  DueTransition,
  JoinRequest,
  JoinResult,
  LeaveRequest,
  LeaveResult,
  PresenceMember,
  Transition,
} from './channel-state.js';

interface MemberRecord {
  readonly member: PresenceMember;
  connections: number;
}

interface ChannelRecord {
  /** socket id -> member key (String(userId)), or null on non-presence channels */
  readonly sockets: Map<string, string | null>;
  readonly members: Map<string, MemberRecord>;
}

interface Pending extends DueTransition {
  readonly dueAt: number;
}

export class MemoryChannelState implements ChannelState {
  readonly #apps = new Map<string, Map<string, ChannelRecord>>();
  readonly #pending = new Map<string, Pending>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  #channels(appId: string): Map<string, ChannelRecord> {
    let channels = this.#apps.get(appId);
    if (channels === undefined) {
      channels = new Map();
      this.#apps.set(appId, channels);
    }
    return channels;
  }

  #pendingKey(appId: string, channel: string, transition: Transition): string {
    return transition.kind === 'vacated'
      ? `${appId}\0${channel}\0v`
      : `${appId}\0${channel}\0m\0${String(transition.userId)}`;
  }

  /** Cancels a pending transition; true when there was one. */
  #cancel(appId: string, channel: string, transition: Transition): boolean {
    return this.#pending.delete(this.#pendingKey(appId, channel, transition));
  }

  #schedule(appId: string, channel: string, transition: Transition, delayMs: number): void {
    this.#pending.set(this.#pendingKey(appId, channel, transition), {
      appId,
      channel,
      transition,
      dueAt: this.#now() + delayMs,
    });
  }

  join(request: JoinRequest): Promise<JoinResult> {
    const { appId, channel, socketId, member, transitionDelayMs } = request;
    const channels = this.#channels(appId);
    let record = channels.get(channel);
    if (record?.sockets.has(socketId) === true) {
      return Promise.resolve({
        ok: true,
        subscriptionCount: record.sockets.size,
        occupied: false,
        memberAdded: false,
        memberAddedReported: false,
        presence: member === undefined ? undefined : snapshot(record),
      });
    }
    const memberKey = member === undefined ? null : String(member.userId);
    if (memberKey !== null && request.maxMembers !== undefined) {
      const size = record?.members.size ?? 0;
      if (record?.members.has(memberKey) !== true && size >= request.maxMembers) {
        return Promise.resolve({ ok: false, reason: 'presence-full' });
      }
    }
    if (record === undefined) {
      record = { sockets: new Map(), members: new Map() };
      channels.set(channel, record);
    }
    record.sockets.set(socketId, memberKey);
    const debounced = transitionDelayMs !== undefined;
    const occupied = record.sockets.size === 1 && !(debounced && this.#cancel(appId, channel, { kind: 'vacated' }));

    let memberAdded = false;
    let memberAddedReported = false;
    if (member !== undefined && memberKey !== null) {
      const existing = record.members.get(memberKey);
      if (existing === undefined) {
        record.members.set(memberKey, { member, connections: 1 });
        memberAdded = true;
        memberAddedReported = !(debounced && this.#cancel(appId, channel, { kind: 'member-removed', userId: member.userId }));
      } else {
        existing.connections += 1;
      }
    }
    return Promise.resolve({
      ok: true,
      subscriptionCount: record.sockets.size,
      occupied,
      memberAdded,
      memberAddedReported,
      presence: member === undefined ? undefined : snapshot(record),
    });
  }

  leave(request: LeaveRequest): Promise<LeaveResult> {
    const { appId, channel, socketId, transitionDelayMs } = request;
    const channels = this.#channels(appId);
    const record = channels.get(channel);
    const memberKey = record?.sockets.get(socketId);
    if (record === undefined || memberKey === undefined) {
      return Promise.resolve({ subscriptionCount: record?.sockets.size ?? 0, memberRemoved: false, userId: undefined, vacated: false });
    }
    record.sockets.delete(socketId);
    let memberRemoved = false;
    let userId: string | number | undefined;
    if (memberKey !== null) {
      const existing = record.members.get(memberKey);
      if (existing !== undefined) {
        userId = existing.member.userId;
        existing.connections -= 1;
        if (existing.connections === 0) {
          record.members.delete(memberKey);
          memberRemoved = true;
          if (transitionDelayMs !== undefined) {
            this.#schedule(appId, channel, { kind: 'member-removed', userId }, transitionDelayMs);
          }
        }
      }
    }
    const vacated = record.sockets.size === 0;
    if (vacated) {
      channels.delete(channel);
      if (channels.size === 0) this.#apps.delete(appId);
      if (transitionDelayMs !== undefined) this.#schedule(appId, channel, { kind: 'vacated' }, transitionDelayMs);
    }
    return Promise.resolve({ subscriptionCount: record.sockets.size, memberRemoved, userId, vacated });
  }

  takeDueTransitions(now: number, limit: number): Promise<readonly DueTransition[]> {
    const due: DueTransition[] = [];
    for (const [key, pending] of this.#pending) {
      if (due.length >= limit) break;
      if (pending.dueAt > now) continue;
      this.#pending.delete(key);
      due.push({ appId: pending.appId, channel: pending.channel, transition: pending.transition });
    }
    return Promise.resolve(due);
  }

  summary(appId: string, channel: string): Promise<ChannelSummary> {
    const record = this.#apps.get(appId)?.get(channel);
    return Promise.resolve({ subscriptionCount: record?.sockets.size ?? 0, userCount: record?.members.size ?? 0 });
  }

  list(appId: string, prefix: string): Promise<ReadonlyMap<string, ChannelSummary>> {
    const out = new Map<string, ChannelSummary>();
    for (const [name, record] of this.#apps.get(appId) ?? []) {
      if (name.startsWith(prefix)) {
        out.set(name, { subscriptionCount: record.sockets.size, userCount: record.members.size });
      }
    }
    return Promise.resolve(out);
  }

  members(appId: string, channel: string): Promise<readonly PresenceMember[]> {
    const record = this.#apps.get(appId)?.get(channel);
    return Promise.resolve(record === undefined ? [] : snapshot(record));
  }
}

/** Every member, the same objects each time (as stored). */
function snapshot(record: ChannelRecord): PresenceMember[] {
  return Array.from(record.members.values(), (entry) => entry.member);
}
