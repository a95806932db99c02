/** `switchboard start --workers N`: several processes on one port, joined by the bus. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCli } from './helpers/cli.js';
import { appConfig, startNode, stopNode, writeConfig } from './helpers/cluster.js';
import { clientFor, disconnect, nextEvent, presenceMembers, sdkFor, subscribed, type PusherClient } from './helpers/pusher.js';
import { RawClient } from './helpers/raw-client.js';
import { APP } from './helpers/server.js';
import { deleteRedisPrefix, REDIS_URL, uniquePrefix } from './helpers/services.js';
import { eventually } from './helpers/wait.js';

function workerPids(lines: readonly string[]): Set<number> {
  const pids = new Set<number>();
  for (const line of lines) {
    if (!line.includes('Switchboard listening on')) continue;
    pids.add((JSON.parse(line) as { pid: number }).pid);
  }
  return pids;
}

describe('--workers', () => {
  it('refuses more than one worker without a bus', async () => {
    const result = await runCli(['start', '--workers', '2', '--port', '0']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--workers 2 needs a bus/);
  });

  it('runs N workers on one port that behave as one server, and drains them all on SIGTERM', async () => {
    const prefix = uniquePrefix('workers');
    const configPath = await writeConfig({ redis: { url: REDIS_URL, keyPrefix: prefix }, apps: [appConfig(APP, { clientEvents: true })] });
    const node = await startNode(configPath, ['--workers', '3']);
    const clients: PusherClient[] = [];
    try {
      await eventually(() => workerPids(node.cli.lines).size === 3, 'three workers listening');
      for (let i = 0; i < 6; i += 1) clients.push(clientFor(node.server, APP, { presence: { user_id: `u${i}` } }));
      const channels = await Promise.all(clients.map((client) => subscribed(client, 'presence-everyone')));
      const latecomer = clientFor(node.server, APP, { presence: { user_id: 'late' } });
      clients.push(latecomer);
      const lateChannel = await subscribed(latecomer, 'presence-everyone');
      assert.equal(presenceMembers(lateChannel).count, 7, 'members on every worker are in one list');
      channels.push(lateChannel);
      const received = Promise.all(channels.map((channel) => nextEvent(channel, 'hello')));
      await sdkFor(node.server, APP).trigger('presence-everyone', 'hello', 'all');
      assert.deepEqual((await received).map((event) => event.data), Array(7).fill('all'));

      const [victim] = workerPids(node.cli.lines);
      assert.ok(victim !== undefined);
      process.kill(victim, 'SIGKILL');
      await eventually(() => workerPids(node.cli.lines).size === 4, 'a new worker replaces the killed one');

      const raw = await RawClient.connect(node.server.wsUrl, APP.key);
      node.cli.signal('SIGTERM');
      assert.equal((await raw.client.closed).code, 4200);
      assert.equal(await node.cli.exited, 0);
    } finally {
      await Promise.all(clients.map((client) => disconnect(client)));
      await stopNode(node);
      await deleteRedisPrefix(prefix);
    }
  });
});
