/** The admin listener from the command line: boot refusals and one listener for --workers. */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { runCli } from './helpers/cli.js';
import { appConfig, startNode, stopNode, writeConfig } from './helpers/cluster.js';
import { scrape, valueOf } from './helpers/metrics.js';
import { RawClient } from './helpers/raw-client.js';
import { APP } from './helpers/server.js';
import { deleteRedisPrefix, REDIS_URL, uniquePrefix } from './helpers/services.js';
import { eventually } from './helpers/wait.js';

function adminPortOf(lines: readonly string[]): number | undefined {
  for (const line of lines) {
    const match = /Admin listener on [^\s"]+:(\d+)/.exec(line);
    if (match?.[1] !== undefined) return Number(match[1]);
  }
  return undefined;
}

describe('admin listener at boot', () => {
  it('refuses a non-loopback admin.host without admin.token (exit 2, naming admin.token)', async () => {
    const result = await runCli(['start', '--port', '0'], { SWITCHBOARD_ADMIN_HOST: '0.0.0.0' });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /admin\.token/);
  });

  it('refuses an admin.port in use (exit 2, naming admin.port)', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const address = holder.address();
    assert.ok(address !== null && typeof address === 'object');
    const { port } = address;
    try {
      const result = await runCli(['start', '--port', '0'], { SWITCHBOARD_ADMIN_PORT: String(port) });
      assert.equal(result.code, 2);
      assert.match(result.stderr, /admin\.port/);
    } finally {
      holder.close();
    }
  });
});

describe('admin listener with --workers 2', () => {
  it('is served once by the primary, with every worker summed', async () => {
    const prefix = uniquePrefix('admin-workers');
    const configPath = await writeConfig({ redis: { url: REDIS_URL, keyPrefix: prefix }, apps: [appConfig(APP)] });
    const node = await startNode(configPath, ['--workers', '2']);
    const clients: RawClient[] = [];
    try {
      const adminPort = adminPortOf(node.cli.lines);
      assert.ok(adminPort !== undefined, 'the primary logged its admin listener');
      assert.equal(node.cli.lines.filter((line) => line.includes('Admin listener on')).length, 1, 'one admin listener only');
      await eventually(() => node.cli.lines.filter((line) => line.includes('Switchboard listening on')).length === 2, 'both workers serving');
      for (let i = 0; i < 4; i += 1) clients.push((await RawClient.connect(node.server.wsUrl, APP.key)).client);
      const adminUrl = `http://127.0.0.1:${adminPort}`;
      await eventually(async () => valueOf((await scrape(adminUrl)).samples, 'switchboard_connections', { app: APP.id }) === 4, '4 connections summed');
      const { samples } = await scrape(adminUrl);
      assert.equal(valueOf(samples, 'switchboard_connections_opened_total', { app: APP.id, transport: 'ws' }), 4);
    } finally {
      await Promise.all(clients.map((client) => client.close()));
      await stopNode(node);
      await deleteRedisPrefix(prefix);
    }
  });
});
