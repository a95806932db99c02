import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { beamsIssuer, verifyUserToken } from './beams-token.js';

function jwt(header: object, claims: object, secret: string): string {
  const head = Buffer.from(JSON.stringify(header)).toString('base64url');
  const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${head}.${body}.${createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url')}`;
}

describe('Beams user tokens', () => {
  const now = 1_700_000_000_000;
  const claims = { sub: 'jane', exp: now / 1000 + 60, iss: beamsIssuer('app') };

  it('accepts an HS256 token signed with the secret, for this instance, not expired', () => {
    assert.deepEqual(verifyUserToken(jwt({ alg: 'HS256', typ: 'JWT' }, claims, 's3cret'), 'app', 's3cret', now), { ok: true, userId: 'jane' });
  });

  it('refuses another secret, another alg, expiry, another issuer, a bad sub and garbage', () => {
    const refused = [
      jwt({ alg: 'HS256' }, claims, 'other'),
      jwt({ alg: 'HS512' }, claims, 's3cret'),
      jwt({ alg: 'HS256' }, { ...claims, exp: now / 1000 }, 's3cret'),
      jwt({ alg: 'HS256' }, { sub: 'jane' }, 's3cret'),
      jwt({ alg: 'HS256' }, { ...claims, iss: beamsIssuer('other') }, 's3cret'),
      jwt({ alg: 'HS256' }, { ...claims, sub: '' }, 's3cret'),
      jwt({ alg: 'HS256' }, { ...claims, sub: 'x'.repeat(165) }, 's3cret'),
      'a.b',
      'a.b.c',
      '',
    ];
    for (const token of refused) assert.equal(verifyUserToken(token, 'app', 's3cret', now).ok, false, token);
  });
});
