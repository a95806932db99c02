/**
 * The users' outcomes a publish status keeps for v1.PublishToUsersAttempt, on both stores (memory,
 * and Redis as several nodes share it): the report is handed out only once the publish is done,
 * to one caller only, with the users in the order of the publish, and only to the publish's app.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { MemoryPublishStatusStore, RedisPublishStatusStore, type PublishStatusStore } from '../../src/push/publish-status.js';
import { deleteRedisKeys, REDIS_URL, uniqueRedisPrefix } from '../helpers/redis.js';

function contract(name: string, open: () => PublishStatusStore): void {
  describe(`push: users of a publish status (${name})`, () => {
    it('hands the report out once, when the publish is done, to its app only', async () => {
      const store = open();
      try {
        await store.create('app-1', 'pub-1', 1_000, ['zoe', 'adam', 'mia', 'noah']);
        await store.addUsers('pub-1', { targeted: ['zoe', 'adam', 'mia'] });
        await store.add('pub-1', { targeted: 4, fanoutDone: true });
        assert.equal(await store.claimUsersReport('app-1', 'pub-1'), undefined, 'not done: no report');
        await store.addUsers('pub-1', { delivered: ['zoe', 'adam'], failed: ['adam', 'mia'] });
        await store.add('pub-1', { delivered: 2, failed: 2 });
        assert.equal(await store.claimUsersReport('app-2', 'pub-1'), undefined, "another app's publish");
        const [first, second] = await Promise.all([store.claimUsersReport('app-1', 'pub-1'), store.claimUsersReport('app-1', 'pub-1')]);
        const report = first ?? second;
        assert.ok(report !== undefined);
        assert.equal(first === undefined || second === undefined, true, 'one caller only');
        assert.deepEqual(report.users, ['zoe', 'adam', 'mia', 'noah']);
        assert.deepEqual([...report.targeted].sort(), ['adam', 'mia', 'zoe']);
        assert.deepEqual([...report.delivered].sort(), ['adam', 'zoe']);
        assert.deepEqual([...report.failed].sort(), ['adam', 'mia']);
        assert.equal(await store.claimUsersReport('app-1', 'pub-1'), undefined, 'already claimed');
      } finally {
        await store.close();
      }
    });

    it('a publish to interests has no users report', async () => {
      const store = open();
      try {
        await store.create('app-1', 'pub-2', 1_000);
        await store.add('pub-2', { fanoutDone: true });
        assert.equal((await store.get('app-1', 'pub-2'))?.state, 'done');
        assert.equal(await store.claimUsersReport('app-1', 'pub-2'), undefined);
      } finally {
        await store.close();
      }
    });
  });
}

contract('memory', () => new MemoryPublishStatusStore());
const prefix = uniqueRedisPrefix();
after(() => deleteRedisKeys(prefix));
contract('Redis', () => new RedisPublishStatusStore(new Redis(REDIS_URL), prefix));
