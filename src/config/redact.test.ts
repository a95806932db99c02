import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from './load.js';
import { redactConfig, redactUrlPassword } from './redact.js';

describe('config redaction', () => {
  it('hides app secrets, URL passwords, the TLS passphrase, the admin token and webhook header values, and keeps the rest', () => {
    const config = parseConfig({
      apps: [
        {
          id: 'a1',
          key: 'k1',
          secret: 'the-app-secret-the-app-secret-000',
          webhooks: [{ url: 'http://127.0.0.1:9/hook', headers: { Authorization: 'Bearer token-123' } }],
        },
      ],
      redis: { url: 'redis://user:redis-pass@127.0.0.1:6379/2' },
      nats: { servers: ['nats://nats-user:nats-pass@127.0.0.1:4222', '127.0.0.1:4223'] },
      tls: { cert: '/etc/switchboard/cert.pem', key: '/etc/switchboard/key.pem', passphrase: 'tls-pass' },
      admin: { token: 'admin-token-0123456789abcdef' },
      appStore: { url: 'postgres://sb:pg-pass@127.0.0.1:5432/apps', encryptionKey: 'ab'.repeat(32) },
    });
    const text = JSON.stringify(redactConfig(config));
    for (const secret of ['the-app-secret', 'token-123', 'redis-pass', 'nats-pass', 'tls-pass', 'admin-token', 'pg-pass', 'abab']) assert.ok(!text.includes(secret), secret);
    for (const kept of ['"key":"k1"', 'redis://user:[redacted]@127.0.0.1:6379/2', 'nats://nats-user:[redacted]@127.0.0.1:4222', '"Authorization":"[redacted]"', '"cert":"/etc/switchboard/cert.pem"', 'postgres://sb:[redacted]@127.0.0.1:5432/apps']) {
      assert.ok(text.includes(kept), kept);
    }
  });

  it('leaves URLs without a password alone', () => {
    assert.equal(redactUrlPassword('redis://127.0.0.1:6379'), 'redis://127.0.0.1:6379');
    assert.equal(redactUrlPassword('redis://user@127.0.0.1:6379'), 'redis://user@127.0.0.1:6379');
    assert.equal(redactUrlPassword('redis://:pw@127.0.0.1:6379'), 'redis://:[redacted]@127.0.0.1:6379');
  });
});
