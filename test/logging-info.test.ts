/**
 * The info log of real servers, captured through a real pino logger at level info: cluster
 * membership changes on Redis and on NATS (two nodes; one stops), with the cluster-nodes gauge,
 * and a webhook endpoint that fails and recovers (one line per transition, not per attempt).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ConfigInput } from '../src/config/schema.js';
import { LEVELS, LogCapture } from './helpers/log-capture.js';
import { scrape, valueOf } from './helpers/metrics.js';
import { deleteNatsPrefix, uniqueNatsPrefix } from './helpers/nats.js';
import { RawClient } from './helpers/raw-client.js';
import { APP, startServer, type TestServer } from './helpers/server.js';
import { deleteRedisPrefix, NATS_SERVERS, REDIS_URL, uniquePrefix } from './helpers/services.js';
import { eventually } from './helpers/wait.js';
import { WebhookReceiver } from './helpers/webhook-receiver.js';

async function clusterNodesGauge(server: TestServer): Promise<number> {
  const address = server.server.adminAddress;
  assert.ok(address !== undefined);
  return valueOf((await scrape(`http://127.0.0.1:${address.port}`)).samples, 'switchboard_cluster_nodes');
}

const DRIVERS: readonly { name: string; config: () => { overrides: Partial<ConfigInput>; cleanup: () => Promise<void> } }[] = [
  {
    name: 'Redis',
    config: () => {
      const keyPrefix = uniquePrefix('logs');
      return { overrides: { redis: { url: REDIS_URL, keyPrefix } }, cleanup: () => deleteRedisPrefix(keyPrefix) };
    },
  },
  {
    name: 'NATS',
    config: () => {
      const prefix = uniqueNatsPrefix('logs');
      return { overrides: { nats: { servers: NATS_SERVERS, prefix } }, cleanup: () => deleteNatsPrefix(prefix) };
    },
  },
];

describe('cluster membership at info', () => {
  for (const driver of DRIVERS) {
    it(`logs a node joining and leaving on ${driver.name}, and counts the nodes alive`, async () => {
      const { overrides, cleanup } = driver.config();
      // A 1 s node timeout: membership is read every 500 ms.
      const config = { ...overrides, cluster: { nodeTimeout: 1 } };
      const capture = new LogCapture('info');
      const one = await startServer(config, { logger: capture.logger });
      let two: TestServer | undefined;
      try {
        const self = one.server.nodeId;
        const start = await capture.line('cluster nodes seen at start', { node: self });
        assert.deepEqual([start.level, start.nodes, start.others], [LEVELS.info, 1, []]);
        assert.equal(await clusterNodesGauge(one), 1);

        two = await startServer(config);
        const other = two.server.nodeId;
        const joined = await capture.line('cluster node joined', { node: other });
        assert.deepEqual([joined.level, joined.nodes], [LEVELS.info, 2]);
        assert.equal(await clusterNodesGauge(one), 2);

        await two.close();
        const left = await capture.line('cluster node left', { node: other });
        assert.deepEqual([left.level, left.nodes], [LEVELS.info, 1]);
        assert.equal(await clusterNodesGauge(one), 1);
        assert.equal(capture.all('cluster node joined').length, 1, 'one line per change');
        assert.equal(capture.all('cluster node left').length, 1, 'one line per change');
        assert.ok(!capture.lines.some((line) => (line.msg === 'cluster node joined' || line.msg === 'cluster node left') && line.node === self), 'a node never reports itself');
      } finally {
        await two?.close();
        await one.close();
        await cleanup();
      }
    });
  }
});

describe('webhook endpoint health at info', () => {
  it('logs the endpoint down once at its first failure and up once at its first success after', async () => {
    const receiver = await WebhookReceiver.start();
    const capture = new LogCapture('info');
    // Three failed attempts (503), then the endpoint answers again.
    receiver.answer = (_request, index) => (index < 3 ? 503 : 200);
    const url = receiver.url();
    const server = await startServer(
      {
        apps: [{ ...APP, webhooks: [{ url }] }],
        webhooks: { batchWindowMs: 10, retryInitialDelayMs: 20, retryMaxDelayMs: 40 },
      },
      { logger: capture.logger },
    );
    try {
      const { client } = await RawClient.connect(server.wsUrl, APP.key);
      client.send({ event: 'pusher:subscribe', data: { channel: 'hooked' } });
      const up = await capture.line('webhook endpoint up', { url });
      assert.equal(receiver.requests.length, 4, 'three refused attempts, then the delivery');
      const down = capture.all('webhook endpoint down', { url });
      assert.equal(down.length, 1, 'one line for the transition, not one per attempt');
      assert.deepEqual([down[0]?.level, down[0]?.app, down[0]?.reason], [LEVELS.warn, APP.id, 'HTTP 503']);
      assert.deepEqual([up.level, up.app, up.failedAttempts], [LEVELS.info, APP.id, 3]);
      assert.ok(typeof up.downMs === 'number' && up.downMs >= 0);
      assert.ok(capture.lines.indexOf(down[0] ?? up) < capture.lines.indexOf(up));

      // Healthy deliveries log nothing more.
      client.send({ event: 'pusher:subscribe', data: { channel: 'hooked-too' } });
      await eventually(() => server.server.webhookMetrics.snapshot().sent === 2, 'the second batch settled');
      await client.close();
      assert.equal(capture.all('webhook endpoint up').length, 1);
      assert.equal(capture.all('webhook endpoint down').length, 1);
    } finally {
      await server.close();
      await receiver.close();
    }
  });
});
