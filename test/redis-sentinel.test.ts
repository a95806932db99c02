/** `redis.sentinels`: nodes find the Redis primary through Sentinel and work as on a plain URL. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ConfigError, parseConfig } from '../src/config/load.js';
import { clientFor, disconnect, nextEvent, presenceMembers, sdkFor, subscribed, type PusherClient } from './helpers/pusher.js';
import { freePort, PrivateRedis, PrivateSentinel } from './helpers/redis-server.js';
import { APP, startServer, type TestServer } from './helpers/server.js';

describe('Redis through Sentinel', () => {
  let primary: PrivateRedis;
  let sentinel: PrivateSentinel;
  let nodes: TestServer[] = [];
  const clients: PusherClient[] = [];

  before(async () => {
    primary = new PrivateRedis(await freePort());
    await primary.start();
    sentinel = await PrivateSentinel.start(primary, 'sbtest');
    const redis = { sentinels: [`127.0.0.1:${sentinel.port}`], sentinelName: 'sbtest', keyPrefix: 'sentinel:' };
    nodes = [await startServer({ redis }), await startServer({ redis })];
  });
  after(async () => {
    await Promise.all(clients.map((client) => disconnect(client)));
    await Promise.all(nodes.map((node) => node.close()));
    await sentinel.kill();
    await primary.kill();
  });

  it('joins nodes through the primary the sentinel names', async () => {
    const [a, b] = nodes as [TestServer, TestServer];
    const alice = clientFor(a, APP, { presence: { user_id: 'alice' } });
    const bob = clientFor(b, APP, { presence: { user_id: 'bob' } });
    clients.push(alice, bob);
    const aliceChannel = await subscribed(alice, 'presence-sentinel');
    const bobChannel = await subscribed(bob, 'presence-sentinel');
    assert.equal(presenceMembers(bobChannel).count, 2);
    const received = nextEvent(aliceChannel, 'hello');
    await sdkFor(b, APP).trigger('presence-sentinel', 'hello', 'via sentinel');
    assert.equal((await received).data, 'via sentinel');
  });

  it('refuses a malformed sentinel address at boot', () => {
    assert.throws(() => parseConfig({ redis: { sentinels: ['no-port'] }, apps: [APP] }), ConfigError);
  });
});
