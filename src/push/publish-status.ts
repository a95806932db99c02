/**
 * What became of a publish, by publish id: devices targeted by the fan-out, and per device the
 * final outcome (delivered to the push service, rejected by it, expired before it took the
 * message, removed because the subscription is gone), and the service worker's delivery and open
 * reports. Kept 24 hours. For a publish to users it also keeps the users and their outcomes, for
 * Beams' v1.PublishToUsersAttempt webhook. The memory store serves one process; the Redis store
 * (hash per publish, HINCRBY; a set per user outcome) is shared by every node on the prefix.
 */
import type { Redis } from 'ioredis';

export interface PublishCounts {
  readonly targeted: number;
  readonly delivered: number;
  readonly failed: number;
  readonly expired: number;
  readonly removed: number;
  /** Delivery reports from the service worker (the browser received the message). */
  readonly acknowledged: number;
  /** Open reports from the service worker (the user clicked the notification). */
  readonly opened: number;
}

export type PublishDelta = Partial<PublishCounts> & { readonly fanoutDone?: boolean };

export interface PublishStatus extends PublishCounts {
  readonly publishId: string;
  readonly createdAt: number;
  /** `queued` until the fan-out has read the whole audience, `sending` until every device has an outcome. */
  readonly state: 'queued' | 'sending' | 'done';
}

/** Users of a publish to users, by what became of their devices (the v1.PublishToUsersAttempt webhook). */
export interface UserOutcomes {
  /** Users with at least one device in the audience. */
  readonly targeted?: readonly string[];
  /** Users with a device whose message the push service accepted. */
  readonly delivered?: readonly string[];
  /** Users with a device whose message was refused, or expired after retries. */
  readonly failed?: readonly string[];
}

export interface UsersReport {
  readonly users: readonly string[];
  readonly targeted: readonly string[];
  readonly delivered: readonly string[];
  readonly failed: readonly string[];
}

export interface PublishStatusStore {
  /** `users`: the user ids of a publish to users (kept for its UsersReport). */
  create(appId: string, publishId: string, createdAt: number, users?: readonly string[]): Promise<void>;
  add(publishId: string, delta: PublishDelta): Promise<void>;
  /** Records users' outcomes of a publish to users (before the counts that settle those devices). */
  addUsers(publishId: string, outcomes: UserOutcomes): Promise<void>;
  /**
   * The users' outcomes of a publish to users once it is done, to exactly one caller across every
   * node (the first to ask after it is done); undefined otherwise.
   */
  claimUsersReport(appId: string, publishId: string): Promise<UsersReport | undefined>;
  get(appId: string, publishId: string): Promise<PublishStatus | undefined>;
  close(): Promise<void>;
}

export const STATUS_RETENTION_MS = 24 * 60 * 60 * 1000;
const ADD_IF_EXISTS = `
if redis.call('exists', KEYS[1]) == 0 then return 0 end
for i = 1, #ARGV, 2 do redis.call('hincrby', KEYS[1], ARGV[i], ARGV[i + 1]) end
return 1`;
const COUNT_FIELDS = ['targeted', 'delivered', 'failed', 'expired', 'removed', 'acknowledged', 'opened'] as const;

function statusOf(publishId: string, createdAt: number, counts: PublishCounts, fanoutDone: boolean): PublishStatus {
  const settled = counts.delivered + counts.failed + counts.expired + counts.removed;
  const state = !fanoutDone ? 'queued' : settled >= counts.targeted ? 'done' : 'sending';
  return { publishId, createdAt, state, ...counts };
}

interface MemoryEntry {
  readonly appId: string;
  readonly createdAt: number;
  counts: PublishCounts;
  fanoutDone: boolean;
  readonly users?: { readonly all: readonly string[]; readonly targeted: Set<string>; readonly delivered: Set<string>; readonly failed: Set<string>; reported: boolean };
}

const USER_SETS = ['targeted', 'delivered', 'failed'] as const;

/** At most `capacity` publishes, the oldest forgotten first. */
export class MemoryPublishStatusStore implements PublishStatusStore {
  readonly #entries = new Map<string, MemoryEntry>();
  readonly #capacity: number;

  constructor(capacity = 100_000) {
    this.#capacity = capacity;
  }

  create(appId: string, publishId: string, createdAt: number, users?: readonly string[]): Promise<void> {
    if (this.#entries.size >= this.#capacity) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
    const counts = { targeted: 0, delivered: 0, failed: 0, expired: 0, removed: 0, acknowledged: 0, opened: 0 };
    const tracked = users === undefined ? {} : { users: { all: [...users], targeted: new Set<string>(), delivered: new Set<string>(), failed: new Set<string>(), reported: false } };
    this.#entries.set(publishId, { appId, createdAt, counts, fanoutDone: false, ...tracked });
    return Promise.resolve();
  }

  addUsers(publishId: string, outcomes: UserOutcomes): Promise<void> {
    const users = this.#entries.get(publishId)?.users;
    if (users !== undefined) for (const set of USER_SETS) for (const id of outcomes[set] ?? []) users[set].add(id);
    return Promise.resolve();
  }

  claimUsersReport(appId: string, publishId: string): Promise<UsersReport | undefined> {
    const entry = this.#entries.get(publishId);
    const users = entry?.users;
    if (entry === undefined || users === undefined || entry.appId !== appId || users.reported) return Promise.resolve(undefined);
    if (statusOf(publishId, entry.createdAt, entry.counts, entry.fanoutDone).state !== 'done') return Promise.resolve(undefined);
    users.reported = true;
    return Promise.resolve({ users: users.all, targeted: [...users.targeted], delivered: [...users.delivered], failed: [...users.failed] });
  }

  add(publishId: string, delta: PublishDelta): Promise<void> {
    const entry = this.#entries.get(publishId);
    if (entry === undefined) return Promise.resolve();
    const counts = { ...entry.counts };
    for (const field of COUNT_FIELDS) counts[field] += delta[field] ?? 0;
    entry.counts = counts;
    if (delta.fanoutDone === true) entry.fanoutDone = true;
    return Promise.resolve();
  }

  get(appId: string, publishId: string): Promise<PublishStatus | undefined> {
    const entry = this.#entries.get(publishId);
    if (entry === undefined || entry.appId !== appId) return Promise.resolve(undefined);
    return Promise.resolve(statusOf(publishId, entry.createdAt, entry.counts, entry.fanoutDone));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

export class RedisPublishStatusStore implements PublishStatusStore {
  readonly #redis: Redis;
  readonly #prefix: string;

  constructor(redis: Redis, prefix: string) {
    this.#redis = redis;
    this.#prefix = prefix;
  }

  #key(publishId: string): string {
    return `${this.#prefix}status:${publishId}`;
  }

  async create(appId: string, publishId: string, createdAt: number, users?: readonly string[]): Promise<void> {
    const key = this.#key(publishId);
    // The users of a publish to users in their order, as JSON (at most 1,000 ids of 164 characters).
    const fields = users === undefined ? { appId, createdAt } : { appId, createdAt, users: JSON.stringify(users) };
    await this.#redis.multi().hset(key, fields).pexpire(key, STATUS_RETENTION_MS).exec();
  }

  async addUsers(publishId: string, outcomes: UserOutcomes): Promise<void> {
    const key = this.#key(publishId);
    const multi = this.#redis.multi();
    let writes = 0;
    for (const set of USER_SETS) {
      const ids = outcomes[set] ?? [];
      if (ids.length === 0) continue;
      multi.sadd(`${key}:${set}`, ...ids).pexpire(`${key}:${set}`, STATUS_RETENTION_MS);
      writes += 1;
    }
    if (writes > 0) await multi.exec();
  }

  async claimUsersReport(appId: string, publishId: string): Promise<UsersReport | undefined> {
    const key = this.#key(publishId);
    const hash = await this.#redis.hgetall(key);
    const users = hash['users'];
    if (users === undefined || hash['usersReported'] !== undefined || statusFromHash(publishId, appId, hash)?.state !== 'done') return undefined;
    // HSETNX: only the first caller after the publish is done gets the report.
    if ((await this.#redis.hsetnx(key, 'usersReported', 1)) !== 1) return undefined;
    const [targeted, delivered, failed] = await Promise.all(USER_SETS.map((set) => this.#redis.smembers(`${key}:${set}`)));
    return { users: JSON.parse(users) as string[], targeted: targeted ?? [], delivered: delivered ?? [], failed: failed ?? [] };
  }

  /** Counts only on a publish that exists (one whose 24 hours are over is not revived). */
  async add(publishId: string, delta: PublishDelta): Promise<void> {
    const pairs: (string | number)[] = [];
    for (const field of COUNT_FIELDS) {
      const by = delta[field];
      if (by !== undefined && by !== 0) pairs.push(field, by);
    }
    if (delta.fanoutDone === true) pairs.push('fanoutDone', 1);
    if (pairs.length > 0) await this.#redis.eval(ADD_IF_EXISTS, 1, this.#key(publishId), ...pairs);
  }

  async get(appId: string, publishId: string): Promise<PublishStatus | undefined> {
    return statusFromHash(publishId, appId, await this.#redis.hgetall(this.#key(publishId)));
  }

  async close(): Promise<void> {
    this.#redis.disconnect();
    return Promise.resolve();
  }
}

/** The status kept in a Redis hash, when it is `appId`'s. */
function statusFromHash(publishId: string, appId: string, hash: Record<string, string>): PublishStatus | undefined {
  if (hash['appId'] !== appId) return undefined;
  const count = (field: string): number => Number(hash[field] ?? 0);
  const counts: PublishCounts = {
    targeted: count('targeted'),
    delivered: count('delivered'),
    failed: count('failed'),
    expired: count('expired'),
    removed: count('removed'),
    acknowledged: count('acknowledged'),
    opened: count('opened'),
  };
  return statusOf(publishId, count('createdAt'), counts, count('fanoutDone') > 0);
}
