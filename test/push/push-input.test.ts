/**
 * Bad input to the push API is refused with Beams' status codes and a `{error, description}`
 * body, before anything is stored or queued: authentication and instance first (401, 404), then
 * the body (400 content type and JSON, 413 size), then its content (422), then the rate (429).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { BeamsWebDevice } from '../helpers/beams-web-device.js';
import { LocalPushService } from '../helpers/push-service.js';
import { APP, startServer } from '../helpers/server.js';
import { startPushSetup, type PushSetup } from '../helpers/push-setup.js';

interface Refusal {
  status: number;
  code: string;
  error: string;
  description: string;
  retryAfter: string | null;
}

describe('push: bad input', () => {
  let setup: PushSetup;
  let publishUrl: string;
  before(async () => {
    setup = await startPushSetup({ push: { publishesPerSecond: 1_000 } });
    publishUrl = `${setup.server.httpUrl}/publish_api/v1/instances/${APP.id}/publishes`;
  });
  after(() => setup.close());

  async function post(url: string, body: string, headers: Record<string, string> = {}): Promise<Refusal> {
    const response = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${APP.secret}`, 'content-type': 'application/json', ...headers }, body });
    const json = (await response.json()) as Partial<Refusal>;
    return { status: response.status, code: json.code ?? '', error: json.error ?? '', description: json.description ?? '', retryAfter: response.headers.get('retry-after') };
  }

  const web = { notification: { title: 't' } };

  it('publish: authentication, instance, content type, JSON and size', async () => {
    const body = JSON.stringify({ interests: ['a'], web });
    assert.equal((await post(`${publishUrl}/interests`, body, { authorization: 'Bearer wrong' })).status, 401);
    assert.equal((await post(`${publishUrl}/interests`, body, { authorization: '' })).code, 'SB_PUSH_UNAUTHORIZED');
    assert.equal((await post(`${setup.server.httpUrl}/publish_api/v1/instances/nope/publishes/interests`, body)).status, 404);
    assert.equal((await post(`${publishUrl}/interests`, body, { 'content-type': 'text/plain' })).status, 400);
    const invalid = await post(`${publishUrl}/interests`, '{"interests": [');
    assert.deepEqual([invalid.status, invalid.code], [400, 'SB_PUSH_INVALID_JSON']);
    const big = JSON.stringify({ interests: ['a'], web: { notification: { title: 'x'.repeat(10 * 1024) } } });
    assert.deepEqual([(await post(`${publishUrl}/interests`, big)).status], [413]);
    // Users publishes may be up to 200 KiB (1000 ids of 164 characters fit).
    const users = Array.from({ length: 1000 }, (_, index) => `${index}`.padEnd(164, 'u'));
    assert.equal((await post(`${publishUrl}/users`, JSON.stringify({ users, web }))).status, 200);
    assert.equal((await post(`${publishUrl}/users`, JSON.stringify({ users, web, pad: 'x'.repeat(50 * 1024) }))).status, 413);
  });

  it('publish: interests, users, payloads and time_to_live (422)', async () => {
    const cases: [string, unknown, string][] = [
      ['interests', { interests: [], web }, 'SB_PUSH_INVALID_INTERESTS'],
      ['interests', { interests: Array.from({ length: 101 }, (_, index) => `i${index}`), web }, 'SB_PUSH_INVALID_INTERESTS'],
      ['interests', { interests: ['has space'], web }, 'SB_PUSH_INVALID_INTERESTS'],
      ['interests', { interests: ['é'], web }, 'SB_PUSH_INVALID_INTERESTS'],
      ['interests', { interests: ['x'.repeat(165)], web }, 'SB_PUSH_INVALID_INTERESTS'],
      ['interests', { interests: [42], web }, 'SB_PUSH_INVALID_INTERESTS'],
      ['interests', { web }, 'SB_PUSH_INVALID_INTERESTS'],
      ['users', { users: Array.from({ length: 1001 }, (_, index) => `u${index}`), web }, 'SB_PUSH_INVALID_USERS'],
      ['users', { users: [''], web }, 'SB_PUSH_INVALID_USERS'],
      ['users', { users: ['x'.repeat(165)], web }, 'SB_PUSH_INVALID_USERS'],
      ['interests', { interests: ['a'] }, 'SB_PUSH_NO_PAYLOAD'],
      ['interests', { interests: ['a'], web: { ...web, time_to_live: 2_419_201 } }, 'SB_PUSH_INVALID_TTL'],
      ['interests', { interests: ['a'], web: { ...web, time_to_live: 1.5 } }, 'SB_PUSH_INVALID_TTL'],
      ['interests', { interests: ['a'], web: { ...web, data: { blob: 'x'.repeat(4000) } } }, 'SB_PUSH_WEB_PAYLOAD_TOO_LARGE'],
      ['interests', { interests: ['a'], web: { ...web, topic: 'not a topic!' } }, 'SB_PUSH_INVALID_BODY'],
      ['interests', { interests: ['a'], web: { notification: 'title' } }, 'SB_PUSH_INVALID_BODY'],
      ['interests', [1, 2], 'SB_PUSH_INVALID_BODY'],
    ];
    for (const [kind, body, code] of cases) {
      const refusal = await post(`${publishUrl}/${kind}`, JSON.stringify(body));
      assert.deepEqual([refusal.status, refusal.code], [422, code], JSON.stringify(body).slice(0, 80));
      assert.ok(refusal.error !== '' && refusal.description !== '', 'Beams-shaped body');
    }
    // apns / fcm alone are accepted (no device here receives them).
    assert.equal((await post(`${publishUrl}/interests`, JSON.stringify({ interests: ['a'], apns: { aps: { alert: 'x' } } }))).status, 200);
    // None of the refusals reached a push service.
    assert.equal(setup.service.attempts.length, 0);
  });

  it('the unmodified server SDK surfaces the codes as its errors', async () => {
    await assert.rejects(setup.beams.publishToUsers(['u'], { web: { notification: { title: 't' }, data: { blob: 'x'.repeat(4000) } } }), /^Error: 422 Invalid publish request - /);
    const { beamsClient } = await import('../helpers/push-setup.js');
    await assert.rejects(beamsClient(setup.server, 'wrong-secret').publishToInterests(['a'], { web }), /^Error: 401 Unauthorized - Incorrect secret key$/);
    await assert.rejects(beamsClient(setup.server, APP.secret, 'no-such-instance').deleteUser('u'), /^Error: 404 Instance not found/);
  });

  it('the device API: bad tokens, endpoints, interests and unknown devices', async () => {
    const { device } = await setup.newDevice();
    const subscriptionJson = (endpoint: string, p256dh: string, auth: string): string => Buffer.from(JSON.stringify({ endpoint, keys: { p256dh, auth } })).toString('base64');
    const goodKey = Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 1)]).toString('base64url');
    const goodAuth = Buffer.alloc(16, 2).toString('base64url');
    for (const token of [
      'not base64 !',
      Buffer.from('not json').toString('base64'),
      subscriptionJson('not a url', goodKey, goodAuth),
      subscriptionJson('https://push.example/x', 'short', goodAuth),
      subscriptionJson('https://push.example/x', goodKey, 'short'),
      subscriptionJson('ftp://push.example/x', goodKey, goodAuth),
      subscriptionJson(`https://push.example/${'x'.repeat(3000)}`, goodKey, goodAuth),
      42,
    ]) {
      const answer = await device.registerToken(token);
      assert.equal(answer.status, 422, String(token).slice(0, 60));
    }
    assert.equal((await device.addDeviceInterest('bad name')).status, 422);
    assert.equal((await device.addDeviceInterest('x'.repeat(165))).status, 422);
    assert.equal((await device.setDeviceInterests(['ok', 'not ok'])).status, 422);
    assert.deepEqual((await device.getDeviceInterests()).body, { interests: [], responseMetadata: {} }, 'nothing stored by the refusals');
    device.deviceId = 'web-00000000-0000-0000-0000-000000000000';
    assert.equal((await device.addDeviceInterest('a')).status, 404);
    assert.equal((await device.getDeviceInterests()).status, 404);
    assert.equal((await device.setUserId(setup.beams.generateToken('u').token)).status, 404);
    const unknownInstance = await fetch(`${setup.server.httpUrl}/device_api/v1/instances/nope/web-vapid-public-key`);
    assert.equal(unknownInstance.status, 404);
  });

  it('publishes over push.publishesPerSecond get 429 with Retry-After', async () => {
    const limited = await startPushSetup({ push: { publishesPerSecond: 2 } });
    try {
      const url = `${limited.server.httpUrl}/publish_api/v1/instances/${APP.id}/publishes/interests`;
      const body = JSON.stringify({ interests: ['a'], web });
      const answers = [];
      for (let index = 0; index < 3; index += 1) answers.push(await post(url, body));
      assert.deepEqual(answers.map((answer) => answer.status), [200, 200, 429]);
      assert.equal(answers[2]?.retryAfter, '1');
      assert.equal(answers.at(2)?.code, 'SB_PUSH_RATE_LIMITED');
    } finally {
      await limited.close();
    }
  });

  it('device registrations over push.registrationsPerMinute from one address get 429 with Retry-After, and store nothing', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'sb-push-registrations-'));
    const file = join(directory, 'switchboard.db');
    let clock = 1_000_000;
    const service = await LocalPushService.start();
    const server = await startServer(
      { storage: { url: `sqlite:${file}` }, push: { enabled: true, allowHttpEndpoints: true, registrationsPerMinute: 2 } },
      { now: () => clock },
    );
    const devices = (): number => {
      const db = new Database(file, { readonly: true });
      try {
        return (db.prepare('SELECT count(*) AS n FROM push_devices').get() as { n: number }).n;
      } finally {
        db.close();
      }
    };
    try {
      const key = ((await new BeamsWebDevice(server.httpUrl, APP.id).vapidPublicKey()).body as { vapidPublicKey: string }).vapidPublicKey;
      const register = () => new BeamsWebDevice(server.httpUrl, APP.id).register(service.subscribe(key));
      assert.deepEqual([(await register()).status, (await register()).status], [200, 200]);
      const refused = await register();
      assert.equal(refused.status, 429);
      assert.equal((refused.body as { code?: string }).code, 'SB_PUSH_REGISTRATION_RATE_LIMITED');
      assert.equal(refused.headers.get('retry-after'), '30', 'one registration comes back every 30 s at 2 per minute');
      assert.equal(devices(), 2, 'the refused registration stored nothing');
      // Bad input is refused as bad input, without taking from the address's registrations.
      assert.equal((await new BeamsWebDevice(server.httpUrl, APP.id).registerToken('not base64 JSON')).status, 422);
      clock += 30_000;
      assert.equal((await register()).status, 200);
      assert.equal(devices(), 3);
    } finally {
      await server.close();
      await service.close();
      await rm(directory, { recursive: true, force: true });
    }
  });
});
