/**
 * A bad TLS file stops `switchboard start` (and `config check`) with exit code 2 and a message
 * that names the key at fault: missing file, not PEM, a key that is not the certificate's, a
 * wrong or missing passphrase, an unreadable tls.ca. With --workers, the primary checks before
 * starting any worker.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { runCli } from './helpers/cli.js';
import { REDIS_URL, uniquePrefix } from './helpers/services.js';
import { encryptKey, testPki, type TestPki } from './helpers/tls-certs.js';

describe('TLS files at boot', () => {
  let dir: string;
  let leaf: TestPki['leaf'];
  let other: TestPki['other'];
  let junk: string;

  before(async () => {
    ({ dir, leaf, other, junk } = await testPki());
  });

  /** The environment of a start with these TLS settings (the development app, any port). */
  function tlsEnv(tls: { cert: string; key: string; ca?: string; passphrase?: string }): NodeJS.ProcessEnv {
    return {
      SWITCHBOARD_TLS_CERT: tls.cert,
      SWITCHBOARD_TLS_KEY: tls.key,
      ...(tls.ca === undefined ? {} : { SWITCHBOARD_TLS_CA: tls.ca }),
      ...(tls.passphrase === undefined ? {} : { SWITCHBOARD_TLS_PASSPHRASE: tls.passphrase }),
    };
  }

  it('refuses to start, exit 2, naming the key: missing file, bad PEM, key of another certificate, wrong passphrase', async () => {
    // Every other case (key file, passphrase missing, tls.ca) is covered on loadTls itself (src/http/tls-files.test.ts).
    const encrypted = await encryptKey(leaf, 'the right passphrase');
    const cases: { name: string; env: NodeJS.ProcessEnv; expected: RegExp }[] = [
      { name: 'missing file', env: tlsEnv({ cert: join(dir, 'absent.pem'), key: leaf.keyPath }), expected: /tls\.cert: cannot read .*absent\.pem: ENOENT/ },
      { name: 'bad PEM', env: tlsEnv({ cert: junk, key: leaf.keyPath }), expected: /tls\.cert: .*junk\.pem holds no valid PEM certificate/ },
      { name: 'key of another certificate', env: tlsEnv({ cert: leaf.certPath, key: other.keyPath }), expected: /tls\.key: .* is not the private key of the certificate in tls\.cert/ },
      { name: 'wrong passphrase', env: tlsEnv({ cert: leaf.certPath, key: encrypted, passphrase: 'a wrong one' }), expected: /tls\.passphrase: does not decrypt .*\.encrypted\.key/ },
    ];
    const results = await Promise.all(cases.map((testCase) => runCli(['start', '--port', '0'], testCase.env)));
    results.forEach((result, index) => {
      const testCase = cases[index];
      assert.ok(testCase !== undefined);
      assert.equal(result.code, 2, `${testCase.name}: ${result.stderr}`);
      assert.match(result.stderr, testCase.expected, testCase.name);
      assert.ok(!result.stderr.includes('a wrong one'), 'the passphrase is never printed');
      assert.ok(!result.stdout.includes('listening'), `${testCase.name}: nothing listens`);
    });
  });

  it('`config check` reads the files too, and prints the passphrase redacted', async () => {
    const encrypted = await encryptKey(leaf, 'check me');
    const bad = await runCli(['config', 'check'], tlsEnv({ cert: leaf.certPath, key: other.keyPath }));
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /tls\.key: .* is not the private key/);
    const good = await runCli(['config', 'check'], tlsEnv({ cert: leaf.certPath, key: encrypted, passphrase: 'check me' }));
    assert.equal(good.code, 0, good.stderr);
    const printed = JSON.parse(good.stdout) as { tls: Record<string, string> };
    assert.deepEqual(printed.tls, { cert: leaf.certPath, key: encrypted, passphrase: '[redacted]' });
  });

  it('with --workers, the primary refuses a bad file before starting any worker', async () => {
    const env = { ...tlsEnv({ cert: junk, key: leaf.keyPath }), SWITCHBOARD_REDIS_URL: REDIS_URL, SWITCHBOARD_REDIS_KEY_PREFIX: uniquePrefix('tls-boot') };
    const result = await runCli(['start', '--port', '0', '--workers', '2'], env);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /tls\.cert: .*junk\.pem holds no valid PEM certificate/);
    assert.ok(!result.stdout.includes('starting 2 workers'), result.stdout);
  });
});
