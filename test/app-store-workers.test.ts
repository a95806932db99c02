/**
 * The apps API under `--workers 2`: the primary serves it, and a change reaches every worker
 * (handed to one over IPC, announced by it on the bus).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ADMIN_TOKEN } from './helpers/admin-api.js';
import { startNode, stopNode, writeConfig } from './helpers/cluster.js';
import { RawClient } from './helpers/raw-client.js';
import { deleteRedisPrefix, REDIS_URL, uniquePrefix } from './helpers/services.js';
import { dropAppTables, POSTGRES_URL, uniqueTable } from './helpers/sql.js';
import { eventually } from './helpers/wait.js';

function adminPortOf(lines: readonly string[]): number | undefined {
  for (const line of lines) {
    const match = /Admin listener on [^\s"]+:(\d+)/.exec(line);
    if (match?.[1] !== undefined) return Number(match[1]);
  }
  return undefined;
}

describe('apps API with --workers 2', () => {
  it('creates an app on the primary that every worker serves, and a disable closes connections on every worker', async () => {
    const prefix = uniquePrefix('appstore-workers');
    const table = uniqueTable('workers');
    const configPath = await writeConfig({
      redis: { url: REDIS_URL, keyPrefix: prefix },
      appStore: { url: POSTGRES_URL, table },
      admin: { token: ADMIN_TOKEN },
      apps: [],
    });
    const node = await startNode(configPath, ['--workers', '2']);
    const clients: RawClient[] = [];
    try {
      await eventually(() => node.cli.lines.filter((line) => line.includes('Switchboard listening on')).length === 2, 'both workers serving');
      const adminPort = adminPortOf(node.cli.lines);
      assert.ok(adminPort !== undefined);
      const admin = (method: string, path: string, body?: unknown) =>
        fetch(`http://127.0.0.1:${adminPort}${path}`, {
          method,
          headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
      assert.equal((await admin('POST', '/api/apps', { id: 'w-app', key: 'w-key' })).status, 201);
      // node:cluster hands connections to the workers in turn: these land on both.
      for (let i = 0; i < 4; i += 1) clients.push((await RawClient.connect(node.server.wsUrl, 'w-key')).client);
      assert.equal((await admin('PATCH', '/api/apps/w-app', { enabled: false })).status, 200);
      const closes = await Promise.all(clients.map((client) => client.closed));
      assert.deepEqual(closes.map((close) => close.code), [4003, 4003, 4003, 4003]);
    } finally {
      await Promise.all(clients.map((client) => client.close()));
      await stopNode(node);
      await deleteRedisPrefix(prefix);
      await dropAppTables(POSTGRES_URL, table);
    }
  });
});
