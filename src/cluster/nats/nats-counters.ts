/**
 * ConnectionState and UserState on JetStream KV: per-node counts in one record per app (quota)
 * and per user (online/offline), changed by compare-and-set so the quota is never overshot and
 * exactly one caller sees a user come online or go offline.
 */
import type { ConnectionState } from '../connection-state.js';
import type { UserState } from '../user-state.js';
import { mapBounded } from './bounded-map.js';
import { countOf, decrement, increment, type CountRecord } from './count-record.js';
import type { NatsNames } from './nats-names.js';
import type { OwnedEntries } from './owned-entries.js';
import type { RecordTransactions } from './record-transactions.js';

/** Users looked up at once by `online`. */
const READ_CONCURRENCY = 32;

export class NatsConnections implements ConnectionState {
  constructor(
    private readonly records: RecordTransactions<CountRecord>,
    private readonly owned: OwnedEntries,
    private readonly names: NatsNames,
  ) {}

  async add(appId: string, socketId: string, maxConnections: number | undefined): Promise<boolean> {
    const key = this.names.connections(appId);
    const result = await this.owned.add(
      { kind: 'connection', appId, socketId },
      undefined,
      (written, owner) => this.records.transact(key, (record) => increment(record, owner, maxConnections), written),
      (change) => change.changed,
    );
    // Already registered: still admitted.
    return result?.changed ?? true;
  }

  async remove(appId: string, socketId: string): Promise<void> {
    const key = this.names.connections(appId);
    await this.owned.remove({ kind: 'connection', appId, socketId }, (held) =>
      this.records.transact(key, (record) => decrement(record, held.owner)),
    );
  }

  async count(appId: string): Promise<number> {
    return countOf(await this.records.read(this.names.connections(appId)));
  }
}

export class NatsUsers implements UserState {
  constructor(
    private readonly records: RecordTransactions<CountRecord>,
    private readonly owned: OwnedEntries,
    private readonly names: NatsNames,
  ) {}

  async add(appId: string, userId: string, socketId: string): Promise<boolean> {
    const key = this.names.user(appId, userId);
    const result = await this.owned.add(
      { kind: 'user', appId, userId, socketId },
      undefined,
      (written, owner) => this.records.transact(key, (record) => increment(record, owner), written),
      () => true,
    );
    return result !== undefined && result.before === 0;
  }

  async remove(appId: string, userId: string, socketId: string): Promise<boolean> {
    const key = this.names.user(appId, userId);
    const result = await this.owned.remove({ kind: 'user', appId, userId, socketId }, (held) =>
      this.records.transact(key, (record) => decrement(record, held.owner)),
    );
    return result !== undefined && result.changed && result.after === 0;
  }

  async online(appId: string, userIds: readonly string[]): Promise<string[]> {
    const counts = await mapBounded(userIds, READ_CONCURRENCY, async (userId) => countOf(await this.records.read(this.names.user(appId, userId))));
    return userIds.filter((_, index) => (counts[index] ?? 0) > 0);
  }
}
