/** The command line contract: `npx switchboard start`, its flags, and its refusals. */
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCli, startCli } from './helpers/cli.js';
import { connected, disconnect, nextEvent, PusherClient, PusherServer, subscribed } from './helpers/pusher.js';

async function configFile(content: unknown): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'switchboard-cli-'));
  const path = join(dir, 'config.json');
  await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

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

  it('points `switchboard bench` at the checkout: the package does not ship the benchmark', async () => {
    const result = await runCli(['bench', '--smoke']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /npm run bench/);
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
      const warning = cli.lines.find((line) => line.includes('shorter than 32 characters'));
      assert.match(warning ?? '', /"level":40.*apps\.0\.secret.*\\"mine\\"/);
      assert.match(cli.lines.at(-1) ?? '', /"apps":\["mine"\]/);
    } finally {
      cli.signal('SIGTERM');
      assert.equal(await cli.exited, 0);
    }
  });

  it('prints the start options for `start --help` and `start -h`', async () => {
    for (const flag of ['--help', '-h']) {
      const help = await runCli(['start', flag]);
      assert.equal(help.code, 0, help.stderr);
      assert.match(help.stdout, /Usage: switchboard start/);
      for (const option of ['--config FILE', '--host HOST', '--port PORT', '--workers N']) assert.ok(help.stdout.includes(option), option);
    }
  });

  it('`config check` prints the effective configuration with secrets redacted', async () => {
    const path = await configFile({
      apps: [{ id: 'mine', key: 'my-key', secret: 'a-very-long-secret-of-more-than-32-chars', webhooks: [{ url: 'http://127.0.0.1:9/h', headers: { Authorization: 'Bearer tkn' } }] }],
      redis: { url: 'redis://default:redis-password@127.0.0.1:6379' },
    });
    const result = await runCli(['config', 'check', '--config', path], { SWITCHBOARD_PORT: '7123' });
    assert.equal(result.code, 0, result.stderr);
    const printed = JSON.parse(result.stdout) as { port: number; apps: { key: string; secret: string; maxEventDataBytes: number }[]; redis: { url: string } };
    assert.equal(printed.port, 7123, 'the environment is applied');
    const [app] = printed.apps;
    assert.ok(app);
    assert.equal(app.key, 'my-key');
    assert.equal(app.maxEventDataBytes, 10_240, 'defaults are shown');
    assert.equal(app.secret, '[redacted]');
    assert.equal(printed.redis.url, 'redis://default:[redacted]@127.0.0.1:6379');
    for (const secret of ['a-very-long-secret', 'tkn', 'redis-password']) assert.ok(!result.stdout.includes(secret), secret);
    assert.equal(result.stderr, '');
  });

  it('`config check` exits 2 with the reason: bad key, JSON syntax (line and column), short secret off loopback', async () => {
    const badKey = await runCli(['config', 'check', '--config', await configFile({ prot: 1 })]);
    assert.equal(badKey.code, 2);
    assert.match(badKey.stderr, /prot/);
    assert.equal(badKey.stdout, '');
    const syntax = await runCli(['config', 'check', '--config', await configFile('{\n  "port": 6001\n  "host": "127.0.0.1"\n}')]);
    assert.equal(syntax.code, 2);
    assert.match(syntax.stderr, /not valid JSON at line 3, column 3/);
    const short = { apps: [{ id: 'weak', key: 'k', secret: 'short-secret' }] };
    const refused = await runCli(['config', 'check', '--config', await configFile(short), '--host', '0.0.0.0']);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /"weak".*shorter than 32 characters.*refusing to listen on 0\.0\.0\.0/);
    const started = await runCli(['start', '--config', await configFile(short), '--host', '0.0.0.0', '--port', '0']);
    assert.equal(started.code, 2);
    assert.match(started.stderr, /"weak".*shorter than 32 characters/);
    const warned = await runCli(['config', 'check', '--config', await configFile(short)]);
    assert.equal(warned.code, 0);
    assert.match(warned.stderr, /warning: .*"weak".*shorter than 32 characters/);
  });

  it('prints help and version', async () => {
    const help = await runCli(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /switchboard <command>/);
    const version = await runCli(['--version']);
    assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/);
  });
});
