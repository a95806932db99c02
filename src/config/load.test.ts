import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { EnvError, ENV_VARIABLES } from './env.js';
import { ConfigError, loadConfig } from './load.js';

async function configFile(content: unknown): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'switchboard-config-'));
  const path = join(dir, 'config.json');
  await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

const APP = { id: 'a1', key: 'k1', secret: 's1' };
const LONG_SECRET = 'a-random-secret-of-32-characters-or-more';

describe('configuration', () => {
  it('serves the development app on 127.0.0.1:6001 with nothing configured', async () => {
    const { config, developmentApp } = await loadConfig({ env: {} });
    assert.equal(developmentApp, true);
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.port, 6001);
    assert.equal(config.apps.length, 1);
    assert.deepEqual(
      { id: config.apps[0]?.id, key: config.apps[0]?.key, secret: config.apps[0]?.secret, clientEvents: config.apps[0]?.clientEvents },
      { id: 'app-id', key: 'app-key', secret: 'app-secret', clientEvents: true },
    );
  });

  it("defaults app limits to Pusher's documented limits", async () => {
    const { config } = await loadConfig({ env: {} });
    const app = config.apps[0];
    assert.ok(app);
    assert.equal(app.maxEventDataBytes, 10_240);
    assert.equal(app.maxChannelsPerEvent, 100);
    assert.equal(app.maxEventsPerBatch, 10);
    assert.equal(app.maxPresenceMembers, 100);
    assert.equal(app.maxChannelNameLength, 200);
    assert.equal(app.maxEventNameLength, 200);
    assert.equal(app.clientEventsPerSecond, 10);
  });

  it('refuses a non-loopback host with the development app, and allows it with configured apps', async () => {
    await assert.rejects(loadConfig({ env: {}, host: '0.0.0.0' }), (error: Error) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /Refusing to listen on 0\.0\.0\.0/);
      return true;
    });
    for (const host of ['127.0.0.1', 'localhost', '::1', '127.0.0.2']) {
      assert.equal((await loadConfig({ env: {}, host })).developmentApp, true, host);
    }
    const env = { SWITCHBOARD_APP_ID: 'x', SWITCHBOARD_APP_KEY: 'y', SWITCHBOARD_APP_SECRET: LONG_SECRET, SWITCHBOARD_HOST: '0.0.0.0' };
    const { config, developmentApp } = await loadConfig({ env });
    assert.equal(developmentApp, false);
    assert.equal(config.host, '0.0.0.0');
    assert.deepEqual(config.apps.map((app) => app.key), ['y']);
  });

  it('reads the config file and lets env and flags override it', async () => {
    const path = await configFile({ host: '127.0.0.1', port: 7000, apps: [APP] });
    const fromFile = await loadConfig({ env: { SWITCHBOARD_CONFIG: path } });
    assert.equal(fromFile.config.port, 7000);
    assert.equal(fromFile.developmentApp, false);
    const fromEnv = await loadConfig({ env: { SWITCHBOARD_CONFIG: path, SWITCHBOARD_PORT: '7001' } });
    assert.equal(fromEnv.config.port, 7001);
    const fromFlag = await loadConfig({ env: { SWITCHBOARD_PORT: '7001' }, configFile: path, port: 7002 });
    assert.equal(fromFlag.config.port, 7002);
  });

  it('merges SWITCHBOARD_APP_* into the app with the same id', async () => {
    const path = await configFile({ apps: [APP, { id: 'a2', key: 'k2', secret: 's2' }] });
    const { config } = await loadConfig({
      env: { SWITCHBOARD_APP_ID: 'a2', SWITCHBOARD_APP_CLIENT_EVENTS: 'true', SWITCHBOARD_APP_MAX_CONNECTIONS: '5' },
      configFile: path,
    });
    const [first, second] = config.apps;
    assert.ok(first && second && config.apps.length === 2);
    assert.equal(second.clientEvents, true);
    assert.equal(second.maxConnections, 5);
    assert.equal(first.clientEvents, false);
  });

  it('names the key of every invalid or unknown value', async () => {
    const path = await configFile({ port: 'x', colour: 'blue', apps: [{ ...APP, maxPresenceMembers: 0, extra: 1 }] });
    await assert.rejects(loadConfig({ env: {}, configFile: path }), (error: Error) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /port:/);
      assert.match(error.message, /colour/);
      assert.match(error.message, /apps\.0\.maxPresenceMembers/);
      assert.match(error.message, /extra/);
      return true;
    });
  });

  it('reports unreadable and non-JSON config files clearly', async () => {
    await assert.rejects(loadConfig({ env: {}, configFile: '/nonexistent/config.json' }), /Cannot read config file/);
    await assert.rejects(loadConfig({ env: {}, configFile: await configFile('{nope') }), /not valid JSON/);
  });

  it('names the line and column of a JSON syntax error', async () => {
    const text = '{\n  "port": 7000,\n  "host": "127.0.0.1",,\n  "apps": []\n}\n';
    await assert.rejects(loadConfig({ env: {}, configFile: await configFile(text) }), /not valid JSON at line 3, column 23/);
    await assert.rejects(loadConfig({ env: {}, configFile: await configFile('{\n  "port": 7000,\n') }), /at line 3, column 1/);
  });

  it('warns about an app secret under 32 characters on loopback, and refuses it on any other host', async () => {
    const short = { id: 'shorty', key: 'k1', secret: 'x'.repeat(31) };
    const loopback = await loadConfig({ env: {}, configFile: await configFile({ apps: [short] }) });
    assert.equal(loopback.warnings.length, 1);
    assert.match(loopback.warnings[0] ?? '', /apps\.0\.secret.*"shorty".*32 characters/);
    await assert.rejects(loadConfig({ env: {}, host: '0.0.0.0', configFile: await configFile({ apps: [short] }) }), (error: Error) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /apps\.0\.secret.*"shorty".*shorter than 32 characters.*refusing to listen on 0\.0\.0\.0/);
      assert.ok(!error.message.includes(short.secret), 'the secret itself is not printed');
      return true;
    });
    const long = await loadConfig({ env: {}, host: '0.0.0.0', configFile: await configFile({ apps: [{ ...short, secret: 'x'.repeat(32) }] }) });
    assert.deepEqual(long.warnings, []);
    assert.equal((await loadConfig({ env: {} })).warnings.length, 0, 'the development app has its own warning');
  });

  it('rejects unknown SWITCHBOARD_ variables and badly typed ones', async () => {
    await assert.rejects(loadConfig({ env: { SWITCHBOARD_PROT: '1' } }), (error: Error) => {
      assert.ok(error instanceof EnvError);
      assert.match(error.message, /SWITCHBOARD_PROT/);
      return true;
    });
    await assert.rejects(loadConfig({ env: { SWITCHBOARD_PORT: 'eighty' } }), /SWITCHBOARD_PORT must be an integer/);
    await assert.rejects(loadConfig({ env: { SWITCHBOARD_WEBSOCKET_COMPRESSION: 'maybe' } }), /must be true or false/);
  });

  it('derives one variable per scalar key', () => {
    const names = ENV_VARIABLES.map((variable) => variable.name);
    for (const expected of [
      'SWITCHBOARD_HOST',
      'SWITCHBOARD_PORT',
      'SWITCHBOARD_ACTIVITY_TIMEOUT',
      'SWITCHBOARD_WEBSOCKET_MAX_PAYLOAD_BYTES',
      'SWITCHBOARD_LOG_LEVEL',
      'SWITCHBOARD_APP_ID',
      'SWITCHBOARD_APP_KEY',
      'SWITCHBOARD_APP_SECRET',
      'SWITCHBOARD_APP_CLIENT_EVENTS',
    ]) {
      assert.ok(names.includes(expected), expected);
    }
    assert.equal(new Set(names).size, names.length, 'no two keys share a variable');
  });

  it('rejects duplicate app ids and keys, and a frame limit below the event limit', async () => {
    await assert.rejects(loadConfig({ env: {}, configFile: await configFile({ apps: [APP, { ...APP, key: 'k9' }] }) }), /duplicate app id/);
    await assert.rejects(loadConfig({ env: {}, configFile: await configFile({ apps: [APP, { ...APP, id: 'a9' }] }) }), /duplicate app key/);
    const tooSmall = { websocket: { maxPayloadBytes: 4096 }, apps: [APP] };
    await assert.rejects(loadConfig({ env: {}, configFile: await configFile(tooSmall) }), /websocket\.maxPayloadBytes/);
  });

  it('requires xhr_send bodies to fit a client event of the allowed size, escaped (2 * data + 1024)', async () => {
    const withSend = (maxSendBytes: number, enabled = true) => ({ httpTransports: { maxSendBytes, enabled }, apps: [APP] });
    const { config } = await loadConfig({ env: {}, configFile: await configFile(withSend(2 * 10_240 + 1024)) });
    assert.equal(config.httpTransports.maxSendBytes, 21_504);
    await assert.rejects(loadConfig({ env: {}, configFile: await configFile(withSend(21_503)) }), /httpTransports\.maxSendBytes/);
    await loadConfig({ env: {}, configFile: await configFile(withSend(21_503, false)) });
  });

  it('reads http.trustProxy as false, true or a list of addresses, ranges and names, and names a bad entry', async () => {
    assert.equal((await loadConfig({ env: {} })).config.http.trustProxy, false, 'off by default');
    const list = ['loopback', 'linklocal', 'uniquelocal', '10.0.0.0/8', '192.0.2.1', 'fd00::/8', '::1', '172.16.0.0/255.240.0.0'];
    const fromFile = await loadConfig({ env: {}, configFile: await configFile({ http: { trustProxy: list } }) });
    assert.deepEqual(fromFile.config.http.trustProxy, list);
    const trustProxy = async (raw: string) => (await loadConfig({ env: { SWITCHBOARD_HTTP_TRUST_PROXY: raw } })).config.http.trustProxy;
    assert.equal(await trustProxy('true'), true);
    assert.equal(await trustProxy('false'), false);
    assert.deepEqual(await trustProxy('loopback, 10.0.0.0/8'), ['loopback', '10.0.0.0/8']);
    for (const bad of [['loopback', '10.0.0.0/33'], ['loopback', 'proxy.example.com'], ['loopback', '0.0.0.0/0']]) {
      await assert.rejects(loadConfig({ env: {}, configFile: await configFile({ http: { trustProxy: bad } }) }), (error: Error) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, /http\.trustProxy\.1: must be an IP address, a CIDR range/);
        return true;
      });
    }
    await assert.rejects(loadConfig({ env: {}, configFile: await configFile({ http: { trustProxy: 'yes' } }) }), /http\.trustProxy: must be true, false or a list/);
    await assert.rejects(loadConfig({ env: { SWITCHBOARD_HTTP_TRUST_PROXY: 'loopback,nginx' } }), /http\.trustProxy\.1/);
  });

  it('takes tls.cert and tls.key together or not at all, from the file or the environment', async () => {
    const both = await loadConfig({ env: { SWITCHBOARD_TLS_CERT: '/c.pem', SWITCHBOARD_TLS_KEY: '/k.pem', SWITCHBOARD_TLS_PASSPHRASE: 'pw' } });
    assert.deepEqual({ ...both.config.tls }, { cert: '/c.pem', key: '/k.pem', passphrase: 'pw' });
    assert.deepEqual({ ...(await loadConfig({ env: {} })).config.tls }, {});
    await assert.rejects(loadConfig({ env: { SWITCHBOARD_TLS_CERT: '/c.pem' } }), /tls\.key: required with tls\.cert/);
    await assert.rejects(loadConfig({ env: {}, configFile: await configFile({ tls: { key: '/k.pem' } }) }), /tls\.cert: required with tls\.key/);
    await assert.rejects(loadConfig({ env: {}, configFile: await configFile({ tls: { ca: '/ca.pem' } }) }), /tls\.ca: needs tls\.cert and tls\.key/);
    await assert.rejects(loadConfig({ env: { SWITCHBOARD_TLS_PASSPHRASE: 'pw' } }), /tls\.passphrase: needs tls\.cert and tls\.key/);
  });

  it('freezes the result', async () => {
    const { config } = await loadConfig({ env: {} });
    assert.equal(Object.isFrozen(config), true);
    assert.equal(Object.isFrozen(config.apps[0]), true);
    assert.equal(Object.isFrozen(config.websocket), true);
  });
});
