/** switchboard.example.json, at the repository root, stays valid against the real schema. */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseConfig } from '../src/config/load.js';
import { REPO_ROOT, runCli } from './helpers/cli.js';

const EXAMPLE = join(REPO_ROOT, 'switchboard.example.json');

describe('switchboard.example.json', () => {
  it('parses with the config schema and its cross-field rules, on a non-loopback host', async () => {
    const config = parseConfig(JSON.parse(await readFile(EXAMPLE, 'utf8')));
    assert.equal(config.host, '0.0.0.0');
    const app = config.apps[0];
    assert.ok(app);
    assert.ok(app.webhooks.length > 0 && app.allowedOrigins !== undefined);
    assert.ok(config.redis.url !== undefined);
  });

  it('passes `switchboard config check`', async () => {
    const result = await runCli(['config', 'check', '--config', EXAMPLE]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '');
  });
});
