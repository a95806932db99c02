/**
 * The contract of the ConnectionState, UserState and ChannelCache seams, and of NodeMembership's
 * live node list where the state is shared, run against every implementation. (ChannelState has
 * its own suite in channel-state.contract.ts.)
 */
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { ClusterState } from './cluster-state.js';
import type { NodeMembership } from './ownership.js';

let counter = 0;
function appId(): string {
  counter += 1;
  return `contract-${process.pid}-${Date.now()}-${counter}`;
}

function membershipOf(state: ClusterState): NodeMembership {
  if (state.membership === undefined) throw new Error('shared state without a membership');
  return state.membership;
}

/** `create(nodeId)` opens the state as that node (every call shares the same store). */
export function clusterStateContract(name: string, create: (nodeId?: string) => Promise<ClusterState>): void {
  describe(`ClusterState contract: ${name}`, () => {
    let state: ClusterState;
    before(async () => {
      state = await create();
    });
    after(() => state.close());

    describe('connections', () => {
      it('admits up to the quota, refuses one more, and frees a slot on remove', async () => {
        const app = appId();
        assert.equal(await state.connections.add(app, '1.1', 2), true);
        assert.equal(await state.connections.add(app, '1.2', 2), true);
        assert.equal(await state.connections.add(app, '1.3', 2), false);
        assert.equal(await state.connections.count(app), 2);
        await state.connections.remove(app, '1.1');
        assert.equal(await state.connections.add(app, '1.3', 2), true);
        assert.equal(await state.connections.add(app, '1.4', undefined), true, 'no quota: always admitted');
      });

      it('never overshoots the quota under concurrent adds', async () => {
        const app = appId();
        const results = await Promise.all(Array.from({ length: 12 }, (_, index) => state.connections.add(app, `2.${index}`, 5)));
        assert.equal(results.filter(Boolean).length, 5);
        assert.equal(await state.connections.count(app), 5);
      });
    });

    describe('users', () => {
      it("reports a user online at the first connection and offline at the last", async () => {
        const app = appId();
        assert.equal(await state.users.add(app, 'u1', '1.1'), true);
        assert.equal(await state.users.add(app, 'u1', '1.2'), false);
        assert.deepEqual(await state.users.online(app, ['u0', 'u1', 'u2']), ['u1']);
        assert.equal(await state.users.remove(app, 'u1', '1.1'), false);
        assert.equal(await state.users.remove(app, 'u1', '1.1'), false, 'removing twice changes nothing');
        assert.equal(await state.users.remove(app, 'u1', '1.2'), true);
        assert.deepEqual(await state.users.online(app, ['u1']), []);
      });

      it('sees exactly one online transition under concurrent sign-ins', async () => {
        const app = appId();
        const results = await Promise.all(Array.from({ length: 8 }, (_, index) => state.users.add(app, 'same', `3.${index}`)));
        assert.equal(results.filter(Boolean).length, 1);
        const removals = await Promise.all(Array.from({ length: 8 }, (_, index) => state.users.remove(app, 'same', `3.${index}`)));
        assert.equal(removals.filter(Boolean).length, 1);
      });

      it('keeps apps apart', async () => {
        const one = appId();
        const two = appId();
        await state.users.add(one, 'shared', '1.1');
        assert.deepEqual(await state.users.online(two, ['shared']), []);
      });
    });

    describe('cache', () => {
      it('returns the last event with its remaining ttl, and nothing after it expires', async () => {
        const app = appId();
        assert.equal(await state.cache.get(app, 'cache-a'), undefined);
        await state.cache.set(app, 'cache-a', 'first', '1', 60_000);
        await state.cache.set(app, 'cache-a', 'second', '2', 60_000);
        const cached = await state.cache.get(app, 'cache-a');
        assert.equal(cached?.event, 'second');
        assert.equal(cached.data, '2');
        assert.ok(cached.ttlMs > 55_000 && cached.ttlMs <= 60_000, `ttl ${cached.ttlMs}`);
        await state.cache.set(app, 'cache-b', 'short', 'x', 50);
        await delay(120);
        assert.equal(await state.cache.get(app, 'cache-b'), undefined);
      });

      it('claims a miss once per window, and again after the cache was set', async () => {
        const app = appId();
        assert.equal(await state.cache.claimMiss(app, 'cache-m', 60_000), true);
        assert.equal(await state.cache.claimMiss(app, 'cache-m', 60_000), false);
        await state.cache.set(app, 'cache-m', 'e', 'd', 60_000);
        assert.equal(await state.cache.claimMiss(app, 'cache-m', 60_000), true);
        const concurrent = await Promise.all(Array.from({ length: 6 }, () => state.cache.claimMiss(app, 'cache-n', 60_000)));
        assert.equal(concurrent.filter(Boolean).length, 1);
      });
    });

    describe('membership', () => {
      it('lists the nodes whose heartbeat is current, itself included, and drops a stopped node at once', async () => {
        if (!state.shared) {
          assert.equal(state.membership, undefined, 'process-local state has no other nodes to know of');
          return;
        }
        const one = `contract-one-${appId()}`;
        const two = `contract-two-${appId()}`;
        const first = await create(one);
        try {
          assert.ok((await membershipOf(first).liveNodes()).includes(one), 'a node sees itself');
          const second = await create(two);
          let stopped = false;
          try {
            const both = await membershipOf(first).liveNodes();
            assert.ok(both.includes(one) && both.includes(two), `both nodes seen: ${both.join(', ')}`);
            assert.equal(new Set(both).size, both.length, 'each node once');
            assert.deepEqual(
              [...(await membershipOf(second).liveNodes())].filter((node) => node === one || node === two).sort(),
              [one, two].sort(),
            );
            await second.close();
            stopped = true;
            const after = await membershipOf(first).liveNodes();
            assert.ok(after.includes(one), 'still sees itself');
            assert.ok(!after.includes(two), 'a stopped node is gone without waiting for its heartbeat to expire');
          } finally {
            if (!stopped) await second.close();
          }
        } finally {
          await first.close();
        }
      });
    });
  });
}
