/** The command line contract: `npx switchboard start`, its flags, and its refusals. */
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCli, startCli } from './helpers/cli.js';
import { connected, disconnect, nextEvent, PusherClient, PusherServer, subscribed } from './helpers/pusher.js';

describe('command line', () => {
  it('`npx switchboard start` serves the development app and says so first', async () => {
    const cli = await startCli(['start', '--port', '0'], {}, 'npx');
    try {
      const first = JSON.parse(cli.lines[0] ?? '{}') as { msg?: string };
      assert.match(first.msg ?? '', /development app.*app-key.*app-secret/);
      const client = new PusherClient('app-key', { wsHost: '127.0.0.1', wsPort: cli.port, forceTLS: false, cluster: 'mt1' });
      await connected(client);
      const channel = await subscribed(client, 'cli-channel');
      const received = nextEvent(channel, 'hello');
      const sdk = new PusherServer({ appId: 'app-id', key: 'app-key', secret: 'app-secret', host: '127.0.0.1', port: String(cli.port), useTLS: false });
      await sdk.trigger('cli-channel', 'hello', { from: 'sdk' });
      assert.deepEqual((await received).data, { from: 'sdk' });
      await disconnect(client);
    } finally {
      cli.signal('SIGTERM');
      await cli.exited;
    }
  });

  it('refuses a non-loopback host with the development app', async () => {
    const result = await runCli(['start', '--host', '0.0.0.0', '--port', '0']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /Refusing to listen on 0\.0\.0\.0/);
  });

  it('names the bad key of an invalid config file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'switchboard-cli-'));
    const path = join(dir, 'config.json');
    await writeFile(path, JSON.stringify({ apps: [{ id: 'a', key: 'k', secret: 's', clientEvent: true }] }));
    const result = await runCli(['start', '--config', path]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /apps\.0.*clientEvent/);
  });

  it('rejects an unknown SWITCHBOARD_ variable and a bad flag', async () => {
    const env = await runCli(['start'], { SWITCHBOARD_PROT: '80' });
    assert.equal(env.code, 2);
    assert.match(env.stderr, /SWITCHBOARD_PROT/);
    const flag = await runCli(['start', '--prot', '80']);
    assert.equal(flag.code, 2);
    assert.match(flag.stderr, /--prot/);
    const port = await runCli(['start', '--port', 'eighty']);
    assert.equal(port.code, 2);
  });

  it('starts from a config file with apps on the given port', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'switchboard-cli-'));
    const path = join(dir, 'config.json');
    await writeFile(path, JSON.stringify({ apps: [{ id: 'mine', key: 'my-key', secret: 'my-secret' }] }));
    const cli = await startCli(['start', '--config', path, '--port', '0']);
    try {
      assert.ok(!cli.lines.some((line) => line.includes('development app')));
      assert.match(cli.lines.at(-1) ?? '', /"apps":\["mine"\]/);
    } finally {
      cli.signal('SIGTERM');
      assert.equal(await cli.exited, 0);
    }
  });

  it('prints help and version', async () => {
    const help = await runCli(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /switchboard <command>/);
    const version = await runCli(['--version']);
    assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/);
  });
});
