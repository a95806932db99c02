import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { encryptKey, testPki, type TestCertificate } from './helpers/tls-certs.js';
import { loadTls, TlsFileError, type TlsFiles } from '../src/http/tls-files.js';

describe('loadTls', () => {
  let dir: string;
  let root: TestCertificate;
  let leaf: TestCertificate;
  let other: TestCertificate;
  let junk: string;
  let encrypted: string;

  before(async () => {
    ({ dir, root, leaf, other, junk } = await testPki());
    encrypted = await encryptKey(leaf, 'pass phrase');
  });

  const files = (overrides: Partial<TlsFiles>): TlsFiles => ({ cert: leaf.certPath, key: leaf.keyPath, ca: undefined, passphrase: undefined, ...overrides });

  /** Rejects with a TlsFileError for `key` whose message matches `pattern`. */
  async function refused(overrides: Partial<TlsFiles>, key: TlsFileError['key'], pattern: RegExp): Promise<void> {
    await assert.rejects(loadTls(files(overrides)), (error: unknown) => {
      assert.ok(error instanceof TlsFileError, String(error));
      assert.equal(error.key, key);
      assert.match(error.message, pattern);
      assert.ok(error.message.startsWith(`${key}: `), error.message);
      return true;
    });
  }

  it('loads a certificate and its key, and describes the certificate', async () => {
    const loaded = await loadTls(files({}));
    assert.equal(loaded.certificate.serialNumber, leaf.serialNumber);
    assert.equal(loaded.certificate.fingerprint256, leaf.fingerprint256);
    assert.match(loaded.certificate.issuer, /Switchboard Test Root/);
    assert.equal(loaded.validityProblem, undefined);
    assert.ok(Buffer.isBuffer(loaded.options.cert) && Buffer.isBuffer(loaded.options.key));
  });

  it('names the key at fault for each kind of bad file', async () => {
    await refused({ cert: join(dir, 'absent.pem') }, 'tls.cert', /cannot read .*absent\.pem: ENOENT/);
    await refused({ key: join(dir, 'absent.key') }, 'tls.key', /cannot read .*absent\.key: ENOENT/);
    await refused({ ca: join(dir, 'absent-ca.pem') }, 'tls.ca', /cannot read .*absent-ca\.pem: ENOENT/);
    await refused({ cert: junk }, 'tls.cert', /junk\.pem holds no valid PEM certificate/);
    await refused({ cert: leaf.keyPath }, 'tls.cert', /holds no valid PEM certificate/);
    await refused({ key: junk }, 'tls.key', /junk\.pem holds no valid PEM private key/);
    await refused({ key: leaf.certPath }, 'tls.key', /holds no valid PEM private key/);
    await refused({ key: other.keyPath }, 'tls.key', /is not the private key of the certificate in tls\.cert/);
    await refused({ key: encrypted }, 'tls.passphrase', /is encrypted: set tls\.passphrase/);
    await refused({ key: encrypted, passphrase: 'wrong' }, 'tls.passphrase', /does not decrypt/);
    await refused({ key: encrypted, passphrase: 'pass phrase', cert: other.certPath }, 'tls.key', /is not the private key/);
    await refused({ ca: junk }, 'tls.ca', /junk\.pem holds no PEM certificate/);
    const brokenCa = join(dir, 'broken-ca.pem');
    await writeFile(brokenCa, `${root.pem.toString()}-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n`);
    await refused({ ca: brokenCa }, 'tls.ca', /certificate 2 in .*broken-ca\.pem is invalid/);
  });

  it('accepts an encrypted key with its passphrase and a CA file', async () => {
    const loaded = await loadTls(files({ key: encrypted, passphrase: 'pass phrase', ca: root.certPath }));
    assert.equal(loaded.options.passphrase, 'pass phrase');
    assert.equal(loaded.certificate.serialNumber, leaf.serialNumber);
  });

  it('reports a certificate outside its validity period (served anyway)', async () => {
    const inThreeDays = Date.now() + 3 * 24 * 3600 * 1000;
    assert.match((await loadTls(files({}), inThreeDays)).validityProblem ?? '', /tls\.cert expired on/);
    const yesterday = Date.now() - 24 * 3600 * 1000;
    assert.match((await loadTls(files({}), yesterday)).validityProblem ?? '', /not valid before/);
  });
});
