/**
 * The NATS state across NATS outages, on a private server that is killed and restarted: calls
 * fail at once while NATS is gone (nothing waits or queues), the state is intact after a
 * restart, and after a restart that lost JetStream's storage the node recreates its buckets and
 * reports its entries lost so the engine restores them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ClusterState } from '../src/cluster/cluster-state.js';
import { createNatsClusterState } from '../src/cluster/nats/nats-cluster-state.js';
import { NatsUnavailableError } from '../src/cluster/nats/nats-link.js';
import type { NodeMembership } from '../src/cluster/ownership.js';
import { uniqueNatsPrefix } from './helpers/nats.js';
import { PrivateNatsServer } from './helpers/nats-server.js';
import { eventually } from './helpers/wait.js';

describe('NATS state across NATS outages', () => {
  let server: PrivateNatsServer;
  let state: ClusterState & { membership: NodeMembership };
  const errors: string[] = [];
  before(async () => {
    server = await PrivateNatsServer.start();
    state = await createNatsClusterState({
      servers: [server.url],
      prefix: uniqueNatsPrefix('outage'),
      nodeId: 'node',
      now: Date.now,
      nodeTtlMs: 1_000,
      cacheMaxAgeMs: 60_000,
      onError: (error, what) => errors.push(`${what}: ${String(error)}`),
    });
  });
  after(async () => {
    await state.close();
    await server.close();
  });

  const join = (socketId: string) =>
    state.channels.join({ appId: 'app', channel: 'presence-kept', socketId, member: { userId: socketId, userInfo: undefined } });

  it('fails at once during an outage and keeps its state over a restart', async () => {
    assert.equal((await join('1.1')).ok, true);
    await server.kill();
    await eventually(() => state.channels.summary('app', 'presence-kept').then(() => false, (error: unknown) => error instanceof NatsUnavailableError), 'calls to fail fast');
    await assert.rejects(join('1.2'), NatsUnavailableError);
    await assert.rejects(state.connections.count('app'), NatsUnavailableError);

    await server.restart();
    await eventually(() => state.channels.summary('app', 'presence-kept').then(() => true, () => false), 'the state to reconnect');
    assert.deepEqual(await state.channels.summary('app', 'presence-kept'), { subscriptionCount: 1, userCount: 1 });
    assert.equal((await join('1.2')).ok, true);
  });

  it('recreates its buckets and reports its entries lost when NATS comes back without its storage', async () => {
    const lost = new Promise<void>((resolve) => state.membership.onLost(resolve));
    await server.kill();
    await server.restart({ emptyStore: true });
    await lost;
    assert.deepEqual(await state.channels.summary('app', 'presence-kept'), { subscriptionCount: 0, userCount: 0 });
    // What the engine does on onLost: add its entries again; none counts as a repeat.
    const restored = await join('1.1');
    assert.ok(restored.ok);
    assert.equal(restored.memberAdded, true);
    assert.equal(restored.subscriptionCount, 1);
    assert.deepEqual(errors, [], 'nothing failed that was not an outage');
  });
});
