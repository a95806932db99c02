import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SecretBox, SecretDecryptionError } from './secret-box.js';

const KEY = '1f'.repeat(32);

describe('SecretBox', () => {
  it('seals with AES-256-GCM: a fresh IV each time, opened only with the key and the same app id', () => {
    const box = new SecretBox(KEY);
    const first = box.seal('the-secret', 'app-1');
    const second = box.seal('the-secret', 'app-1');
    assert.match(first, /^sbenc:v1:/);
    assert.ok(!first.includes('the-secret'));
    assert.notEqual(first, second, 'random IV');
    assert.equal(box.open(first, 'app-1'), 'the-secret');
    assert.throws(() => box.open(first, 'app-2'), SecretDecryptionError, 'bound to its row');
    assert.throws(() => new SecretBox('2e'.repeat(32)).open(first, 'app-1'), SecretDecryptionError);
    assert.throws(() => new SecretBox(undefined).open(first, 'app-1'), /encryptionKey is not set/);
    const tampered = first.slice(0, -4) + (first.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    assert.throws(() => box.open(tampered, 'app-1'), SecretDecryptionError);
  });

  it('stores as given without a key, and reads plain text either way', () => {
    assert.equal(new SecretBox(undefined).seal('plain', 'a'), 'plain');
    assert.equal(new SecretBox(KEY).open('plain', 'a'), 'plain');
  });
});
