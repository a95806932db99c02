/** ChannelState on Redis: every operation is one Lua script (see scripts.ts). */
import type { Redis } from 'ioredis';
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
import { encodeOwned } from '../ownership.js';
import type { RedisKeys } from './keys.js';
import { JOIN, LEAVE, TAKE_DUE } from './scripts.js';
import { z } from 'zod';
import { jsonValue, parseStored } from '../stored-json.js';

const storedMember = z.object({ id: z.union([z.string(), z.number()]), info: jsonValue.optional() });

function pendingVacated(appId: string, channel: string): string {
  return `v|${encodeURIComponent(appId)}|${channel}`;
}

function pendingMemberPrefix(appId: string, channel: string): string {
  return `m|${encodeURIComponent(appId)}|${channel}|`;
}

function decodeDue(entry: string): DueTransition | undefined {
  const [kind, app, channel, ...rest] = entry.split('|');
  if (app === undefined || channel === undefined) return undefined;
  const appId = decodeURIComponent(app);
  if (kind === 'v') return { appId, channel, transition: { kind: 'vacated' } };
  if (kind === 'm' && rest.length > 0) return { appId, channel, transition: { kind: 'member-removed', userId: rest.join('|') } };
  return undefined;
}

function parseMember(json: string): PresenceMember | undefined {
  const stored = parseStored(json, storedMember);
  return stored === undefined ? undefined : { userId: stored.id, userInfo: stored.info };
}

/** HGETALL's flat [key, value, key, value...] as the members of a presence snapshot. */
function snapshotOf(flat: readonly string[]): PresenceMember[] {
  const members: PresenceMember[] = [];
  for (let index = 0; index + 1 < flat.length; index += 2) {
    const member = parseMember(flat[index + 1] as string);
    if (member !== undefined) members.push(member);
  }
  return members;
}

export class RedisChannelState implements ChannelState {
  readonly #redis: Redis;
  readonly #keys: RedisKeys;
  readonly #nodeId: string;
  readonly #now: () => number;

  constructor(redis: Redis, keys: RedisKeys, nodeId: string, now: () => number) {
    this.#redis = redis;
    this.#keys = keys;
    this.#nodeId = nodeId;
    this.#now = now;
  }

  #channelKeys(appId: string, channel: string): string[] {
    const keys = this.#keys;
    return [
      keys.subscriptions(appId, channel),
      keys.members(appId, channel),
      keys.memberConnections(appId, channel),
      keys.channels(appId),
      keys.pending,
      keys.owned(this.#nodeId),
    ];
  }

  async join(request: JoinRequest): Promise<JoinResult> {
    const { appId, channel, socketId, member } = request;
    const memberKey = member === undefined ? '' : String(member.userId);
    const memberJson = member === undefined ? '' : JSON.stringify({ id: member.userId, info: member.userInfo });
    const result = (await JOIN.run(this.#redis, this.#channelKeys(appId, channel), [
      socketId,
      memberKey,
      memberJson,
      member === undefined || request.maxMembers === undefined ? '' : request.maxMembers,
      request.transitionDelayMs === undefined ? '0' : '1',
      channel,
      pendingVacated(appId, channel),
      pendingMemberPrefix(appId, channel) + memberKey,
      encodeOwned({ kind: 'subscription', appId, channel, socketId }),
    ])) as [number, number?, number?, number?, number?, string[]?];
    if (result[0] === 0) return { ok: false, reason: 'presence-full' };
    return {
      ok: true,
      subscriptionCount: result[1] ?? 0,
      occupied: result[2] === 1,
      memberAdded: result[3] === 1,
      memberAddedReported: result[4] === 1,
      presence: member === undefined ? undefined : snapshotOf(result[5] ?? []),
    };
  }

  async leave(request: LeaveRequest): Promise<LeaveResult> {
    const { appId, channel, socketId, transitionDelayMs } = request;
    const [count, removed, memberJson, vacated] = (await LEAVE.run(this.#redis, this.#channelKeys(appId, channel), [
      socketId,
      transitionDelayMs === undefined ? '0' : '1',
      channel,
      this.#now() + (transitionDelayMs ?? 0),
      pendingVacated(appId, channel),
      pendingMemberPrefix(appId, channel),
      encodeOwned({ kind: 'subscription', appId, channel, socketId }),
    ])) as [number, number, string, number];
    return {
      subscriptionCount: count,
      memberRemoved: removed === 1,
      userId: memberJson === '' ? undefined : parseMember(memberJson)?.userId,
      vacated: vacated === 1,
    };
  }

  async takeDueTransitions(now: number, limit: number): Promise<readonly DueTransition[]> {
    const score = Number.isFinite(now) ? String(now) : '+inf';
    const due = (await TAKE_DUE.run(this.#redis, [this.#keys.pending], [score, limit])) as string[];
    return due.flatMap((entry) => decodeDue(entry) ?? []);
  }

  async summary(appId: string, channel: string): Promise<ChannelSummary> {
    const [subscriptions, users] = await Promise.all([
      this.#redis.hlen(this.#keys.subscriptions(appId, channel)),
      this.#redis.hlen(this.#keys.members(appId, channel)),
    ]);
    return { subscriptionCount: subscriptions, userCount: users };
  }

  async list(appId: string, prefix: string): Promise<ReadonlyMap<string, ChannelSummary>> {
    // Channel names sort lexically in the ZSET; '\x7f' is above every allowed name character.
    const names =
      prefix === ''
        ? await this.#redis.zrange(this.#keys.channels(appId), '0', '-1')
        : await this.#redis.zrangebylex(this.#keys.channels(appId), `[${prefix}`, `[${prefix}\x7f`);
    if (names.length === 0) return new Map();
    const pipeline = this.#redis.pipeline();
    for (const name of names) {
      pipeline.hlen(this.#keys.subscriptions(appId, name));
      pipeline.hlen(this.#keys.members(appId, name));
    }
    const replies = (await pipeline.exec()) ?? [];
    const out = new Map<string, ChannelSummary>();
    names.forEach((name, index) => {
      const subscriptions = Number(replies[index * 2]?.[1] ?? 0);
      if (subscriptions > 0) out.set(name, { subscriptionCount: subscriptions, userCount: Number(replies[index * 2 + 1]?.[1] ?? 0) });
    });
    return out;
  }

  async members(appId: string, channel: string): Promise<readonly PresenceMember[]> {
    const values = await this.#redis.hvals(this.#keys.members(appId, channel));
    return values.flatMap((json) => parseMember(json) ?? []);
  }
}
