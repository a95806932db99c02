/**
 * SIGHUP on the real command line: the TLS files are read again and new handshakes get the new
 * certificate while open connections stay and keep receiving; a broken file is logged and the
 * current certificate kept; without TLS the signal is logged and changes nothing. With
 * --workers, the primary passes the signal to every worker.
 */
import assert from 'node:assert/strict';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { get as httpGet } from 'node:http';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { before, describe, it } from 'node:test';
import { startCli, type RunningCli } from './helpers/cli.js';
import { asTestServer } from './helpers/cluster.js';
import { sdkFor } from './helpers/pusher.js';
import { RawClient } from './helpers/raw-client.js';
import { APP } from './helpers/server.js';
import { deleteRedisPrefix, REDIS_URL, uniquePrefix } from './helpers/services.js';
import { testPki, type TestCertificate } from './helpers/tls-certs.js';

interface ServedCertificate {
  readonly serialNumber: string;
  readonly fingerprint256: string;
}

/** One new TLS handshake with the server (verified against `ca`): the certificate it presents. */
function servedCertificate(port: number, ca: Buffer): Promise<ServedCertificate> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, ca }, () => {
      const { serialNumber, fingerprint256 } = socket.getPeerCertificate();
      socket.end();
      resolve({ serialNumber, fingerprint256 });
    });
    socket.on('error', reject);
  });
}

const APP_ENV = { SWITCHBOARD_APP_ID: APP.id, SWITCHBOARD_APP_KEY: APP.key, SWITCHBOARD_APP_SECRET: APP.secret };

/** Sends SIGHUP and resolves with the first line matching `pattern` printed after it. */
async function afterSighup(cli: RunningCli, pattern: RegExp): Promise<string> {
  const from = cli.lines.length;
  cli.signal('SIGHUP');
  return cli.lineMatching(pattern, from);
}

async function stop(cli: RunningCli): Promise<void> {
  if (cli.child.exitCode === null && cli.child.signalCode === null) cli.signal('SIGTERM');
  assert.equal(await cli.exited, 0);
}

describe('SIGHUP reloads the TLS certificate', () => {
  let root: TestCertificate;
  let first: TestCertificate;
  let second: TestCertificate;
  let dir: string;

  before(async () => {
    ({ dir, root, leaf: first, other: second } = await testPki());
  });

  /** The files the server is configured with, holding `certificate` (as a renewal would write them). */
  async function install(live: string, certificate: TestCertificate): Promise<void> {
    await copyFile(certificate.certPath, join(live, 'cert.pem'));
    await copyFile(certificate.keyPath, join(live, 'key.pem'));
  }

  async function liveDirectory(name: string, certificate: TestCertificate): Promise<{ live: string; env: NodeJS.ProcessEnv }> {
    const live = join(dir, name);
    await mkdir(live);
    await install(live, certificate);
    return { live, env: { ...APP_ENV, SWITCHBOARD_TLS_CERT: join(live, 'cert.pem'), SWITCHBOARD_TLS_KEY: join(live, 'key.pem') } };
  }

  it('serves the new certificate to new handshakes, keeps open connections, and keeps the current one when a file is bad', async () => {
    const { live, env } = await liveDirectory('single', first);
    const cli = await startCli(['start', '--port', '0'], env);
    try {
      assert.match(await cli.lineMatching(/TLS certificate in use/), new RegExp(first.serialNumber));
      assert.equal((await servedCertificate(cli.port, root.pem)).serialNumber, first.serialNumber);
      const { client } = await RawClient.connect(`wss://127.0.0.1:${cli.port}`, APP.key, { ca: root.pem });
      client.send({ event: 'pusher:subscribe', data: { channel: 'renewals' } });
      await client.nextEvent('pusher_internal:subscription_succeeded', 'renewals');
      const sdk = sdkFor(asTestServer(cli.port), APP, root.pem);

      await install(live, second);
      const reloaded = await afterSighup(cli, /TLS certificate reloaded/);
      assert.match(reloaded, new RegExp(`"serialNumber":"${second.serialNumber}".*"previous":\\{"serialNumber":"${first.serialNumber}"`));
      assert.deepEqual(await servedCertificate(cli.port, root.pem), { serialNumber: second.serialNumber, fingerprint256: second.fingerprint256 });
      await sdk.trigger('renewals', 'renewed', { serial: second.serialNumber });
      assert.deepEqual(JSON.parse(String((await client.nextEvent('renewed', 'renewals')).data)), { serial: second.serialNumber });

      // A renewal caught half-written: the key file is not a key yet.
      await writeFile(join(live, 'key.pem'), '-----BEGIN PRIVATE KEY-----\ntruncated');
      const failed = await afterSighup(cli, /TLS certificate reload failed/);
      assert.match(failed, /"level":50/);
      assert.match(failed, /"key":"tls\.key"/);
      assert.match(failed, /holds no valid PEM private key/);
      assert.equal((await servedCertificate(cli.port, root.pem)).serialNumber, second.serialNumber, 'the current certificate is kept');
      await sdk.trigger('renewals', 'still-here', {});
      await client.nextEvent('still-here', 'renewals');
      client.ws.close();
      await client.closed;
    } finally {
      await stop(cli);
    }
  });

  it('without TLS, logs that there is nothing to reload and keeps serving', async () => {
    const cli = await startCli(['start', '--port', '0'], APP_ENV);
    try {
      await afterSighup(cli, /TLS is not configured.*nothing to reload/);
      const status = await new Promise<number>((resolve, reject) => {
        httpGet({ host: '127.0.0.1', port: cli.port, path: '/ready', agent: false }, (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        }).on('error', reject);
      });
      assert.equal(status, 200);
    } finally {
      await stop(cli);
    }
  });

  it('with --workers, the primary passes SIGHUP to every worker', async () => {
    const prefix = uniquePrefix('tls-reload');
    const { live, env } = await liveDirectory('workers', first);
    const cli = await startCli(['start', '--port', '0', '--workers', '2'], { ...env, SWITCHBOARD_REDIS_URL: REDIS_URL, SWITCHBOARD_REDIS_KEY_PREFIX: prefix });
    try {
      const pidsOf = (pattern: RegExp): Set<number> =>
        new Set(cli.lines.filter((line) => pattern.test(line)).map((line) => (JSON.parse(line) as { pid: number }).pid));
      await cli.until(() => pidsOf(/Switchboard listening on/).size === 2);
      await install(live, second);
      // The primary only, as `kill -HUP <pid>` or systemd's ExecReload would.
      cli.child.kill('SIGHUP');
      await cli.until(() => pidsOf(/TLS certificate reloaded/).size === 2);
      assert.equal(pidsOf(/Switchboard listening on/).size, 2, 'no worker was restarted');
      const served = await Promise.all(Array.from({ length: 4 }, () => servedCertificate(cli.port, root.pem)));
      assert.deepEqual(new Set(served.map((certificate) => certificate.serialNumber)), new Set([second.serialNumber]));
    } finally {
      await stop(cli);
      await deleteRedisPrefix(prefix);
    }
  });
});
