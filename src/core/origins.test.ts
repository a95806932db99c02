import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { appSchema } from '../config/schema.js';
import { originAllowed } from './origins.js';

const app = (allowedOrigins?: string[]) => appSchema.parse({ id: 'a', key: 'k', secret: 's', allowedOrigins });

describe('origin allow-list', () => {
  it('allows any origin when no list is configured', () => {
    assert.equal(originAllowed(app(), 'https://anything.test'), true);
  });

  it('matches exact origins, case-insensitively, and nothing else', () => {
    const only = app(['https://app.example.com']);
    assert.equal(originAllowed(only, 'https://app.example.com'), true);
    assert.equal(originAllowed(only, 'HTTPS://APP.EXAMPLE.COM'), true);
    assert.equal(originAllowed(only, 'http://app.example.com'), false);
    assert.equal(originAllowed(only, 'https://app.example.com:8443'), false);
    assert.equal(originAllowed(only, 'https://evil.test'), false);
    assert.equal(originAllowed(only, 'https://app.example.com.evil.test'), false);
  });

  it('matches subdomains with *. but not the bare domain or look-alikes', () => {
    const wild = app(['https://*.example.com']);
    assert.equal(originAllowed(wild, 'https://a.example.com'), true);
    assert.equal(originAllowed(wild, 'https://a.b.example.com'), true);
    assert.equal(originAllowed(wild, 'https://example.com'), false);
    assert.equal(originAllowed(wild, 'https://badexample.com'), false);
    assert.equal(originAllowed(wild, 'http://a.example.com'), false);
  });

  it('lets requests without an Origin through (non-browser clients)', () => {
    assert.equal(originAllowed(app(['https://app.example.com']), undefined), true);
  });

  it('rejects malformed patterns at boot', () => {
    assert.throws(() => app(['example.com']));
    assert.throws(() => app(['https://example.com/path']));
    assert.doesNotThrow(() => app(['*', 'http://localhost:3000', 'capacitor://localhost']));
  });
});
