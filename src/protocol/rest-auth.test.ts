import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiErrors } from './errors.js';
import { signRestQuery, verifyRestRequest } from './rest-auth.js';

const APP = { key: '278d425bdf160c739803', secret: '7ad3773142a6692b25b8' };
const BODY = '{"name":"foo","channels":["project-3"],"data":"{\\"some\\":\\"data\\"}"}';
const NOW_MS = 1353088179 * 1000;

function request(rawQuery: string, body = BODY, method = 'POST', path = '/apps/3/events') {
  return { method, path, rawQuery, body: Buffer.from(body) };
}

describe('REST request authentication', () => {
  it('accepts a request signed with the previous secret during its grace period only', () => {
    const query = signRestQuery(APP, 'POST', '/apps/3/events', {}, BODY, NOW_MS);
    const rotated = { key: APP.key, secret: 'the-new-secret', previousSecret: { secret: APP.secret, expiresAt: NOW_MS + 1 } };
    assert.deepEqual(verifyRestRequest(rotated, request(query), NOW_MS), { ok: true });
    const expired = { ...rotated, previousSecret: { secret: APP.secret, expiresAt: NOW_MS } };
    assert.equal(verifyRestRequest(expired, request(query), NOW_MS).ok, false);
    const fresh = signRestQuery(rotated, 'POST', '/apps/3/events', {}, BODY, NOW_MS);
    assert.deepEqual(verifyRestRequest(expired, request(fresh), NOW_MS), { ok: true });
  });

  it('accepts the documented worked example', () => {
    const query =
      'auth_key=278d425bdf160c739803&auth_timestamp=1353088179&auth_version=1.0&body_md5=ec365a775a4cd0599faeb73354201b6f' +
      '&auth_signature=da454824c97ba181a32ccc17a72625ba02771f50b50e1e7430e47a1f3f457e6c';
    assert.deepEqual(verifyRestRequest(APP, request(query), NOW_MS), { ok: true });
  });

  it('signs like the SDK, so its own queries verify, with parameters in any order', () => {
    const query = signRestQuery(APP, 'GET', '/apps/3/channels', { filter_by_prefix: 'presence-', info: 'user_count' }, '', NOW_MS);
    assert.deepEqual(verifyRestRequest(APP, request(query, '', 'GET', '/apps/3/channels'), NOW_MS), { ok: true });
    const shuffled = query.split('&').reverse().join('&');
    assert.deepEqual(verifyRestRequest(APP, request(shuffled, '', 'GET', '/apps/3/channels'), NOW_MS), { ok: true });
  });

  it('accepts URL-encoded values signed in decoded form', () => {
    const signed = signRestQuery(APP, 'GET', '/apps/3/channels', { info: 'user_count,subscription_count' }, '', NOW_MS);
    const encoded = signed.replace('user_count,subscription_count', 'user_count%2Csubscription_count');
    assert.deepEqual(verifyRestRequest(APP, request(encoded, '', 'GET', '/apps/3/channels'), NOW_MS), { ok: true });
  });

  it('refuses in the documented order: params, key, timestamp, body_md5, signature', () => {
    const good = signRestQuery(APP, 'POST', '/apps/3/events', {}, BODY, NOW_MS);
    const check = (query: string, body = BODY, now = NOW_MS) => {
      const result = verifyRestRequest(APP, request(query, body), now);
      return result.ok ? 'ok' : result.error.id;
    };
    assert.equal(check(good), 'ok');
    assert.equal(check(good.replace(/&?auth_signature=[0-9a-f]+/, '')), ApiErrors.missingAuthParams.id);
    assert.equal(check(good.replace(APP.key, 'wrong-key')), ApiErrors.invalidAuthKey.id);
    assert.equal(check(good, BODY, NOW_MS + 601_000), ApiErrors.timestampExpired.id);
    assert.equal(check(good, BODY, NOW_MS - 601_000), ApiErrors.timestampExpired.id);
    assert.equal(check(good, BODY, NOW_MS + 599_000), 'ok');
    assert.equal(check(good, `${BODY} `), ApiErrors.bodyMd5Mismatch.id);
    assert.equal(check(good.replace(/auth_signature=[0-9a-f]{4}/, 'auth_signature=0000')), ApiErrors.invalidSignature.id);
    assert.equal(check(good.replace('auth_timestamp=', 'auth_timestamp=x')), ApiErrors.timestampExpired.id);
  });

  it('binds the signature to method and path', () => {
    const query = signRestQuery(APP, 'POST', '/apps/3/events', {}, BODY, NOW_MS);
    const wrongPath = verifyRestRequest(APP, request(query, BODY, 'POST', '/apps/4/events'), NOW_MS);
    const wrongMethod = verifyRestRequest(APP, request(query, BODY, 'PUT'), NOW_MS);
    assert.equal(wrongPath.ok, false);
    assert.equal(wrongMethod.ok, false);
  });

  it('requires body_md5 when there is a body', () => {
    const query = signRestQuery(APP, 'POST', '/apps/3/events', {}, '', NOW_MS);
    const result = verifyRestRequest(APP, request(query, BODY), NOW_MS);
    assert.equal(result.ok ? 'ok' : result.error.id, ApiErrors.bodyMd5Mismatch.id);
  });
});
