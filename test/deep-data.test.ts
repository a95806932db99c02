/**
 * Deeply nested data (50,000 levels in 100 KB): client event data is relayed byte for byte (to
 * local subscribers, another node over Redis, webhooks); what the server must serialize itself
 * (presence user_info, sign-in user_info, HTTP API data that is not a string) is refused with a
 * documented error. Never SB_INTERNAL, never an error-level log, and the connection keeps working.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { ApiErrors, ClientErrors, SubscriptionErrors } from '../src/protocol/errors.js';
import { MAX_JSON_DEPTH } from '../src/protocol/json.js';
import { signRestQuery } from '../src/protocol/rest-auth.js';
import { channelStringToSign, signinStringToSign, signToken } from '../src/protocol/signatures.js';
import { RawClient, type ServerMessage } from './helpers/raw-client.js';
import { deleteRedisPrefix, REDIS_URL, uniquePrefix } from './helpers/services.js';
import { APP, OTHER_APP, startServer, type TestServer } from './helpers/server.js';
import { WebhookReceiver } from './helpers/webhook-receiver.js';

const DEPTH = 50_000;
const deep = `${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}`;
const nested = (levels: number): string => `${'['.repeat(levels)}1${']'.repeat(levels)}`;

/** Pino lines at error level or above, from every server in this file. */
const errorLines: string[] = [];
const logger = pino({ level: 'error' }, { write: (line: string) => void errorLines.push(line) });

/** A raw client that also keeps the exact text of every frame it receives. */
async function connect(server: TestServer, key: string): Promise<{ client: RawClient; socketId: string; texts: string[] }> {
  const { client, socketId } = await RawClient.connect(server.wsUrl, key);
  const texts: string[] = [];
  client.ws.on('message', (data: Buffer) => texts.push(data.toString('utf8')));
  return { client, socketId, texts };
}

async function subscribePrivate(client: RawClient, socketId: string, channel: string, app = APP): Promise<void> {
  client.send({ event: 'pusher:subscribe', data: { channel, auth: signToken(app, channelStringToSign(socketId, channel)) } });
  await client.nextEvent('pusher_internal:subscription_succeeded', channel);
}

function errorMessage(message: ServerMessage): string {
  assert.equal(message.event, 'pusher:error');
  return (message.data as { message: string }).message;
}

describe('deeply nested data', () => {
  const prefix = uniquePrefix('deep');
  let receiver: WebhookReceiver;
  let nodeA: TestServer;
  let nodeB: TestServer;
  const clients: RawClient[] = [];

  before(async () => {
    receiver = await WebhookReceiver.start();
    const config = {
      apps: [
        // Room for 100 KB of client event data; OTHER_APP keeps the default 10 KB limit.
        { ...APP, clientEvents: true, maxEventDataBytes: 150_000, webhooks: [{ url: receiver.url(), events: ['client_event' as const] }] },
        { ...OTHER_APP, clientEvents: true },
      ],
      websocket: { maxPayloadBytes: 200_000 },
      httpTransports: { maxSendBytes: 400_000 },
      webhooks: { batchSize: 1 },
      redis: { url: REDIS_URL, keyPrefix: prefix },
    };
    nodeA = await startServer(config, { logger });
    nodeB = await startServer(config, { logger });
  });
  after(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await nodeA.close();
    await nodeB.close();
    await receiver.close();
    await deleteRedisPrefix(prefix);
  });

  it('relays 50,000 nested levels byte for byte to local and remote subscribers and the webhook', async () => {
    const sender = await connect(nodeA, APP.key);
    const local = await connect(nodeA, APP.key);
    const remote = await connect(nodeB, APP.key);
    clients.push(sender.client, local.client, remote.client);
    for (const { client, socketId } of [sender, local, remote]) await subscribePrivate(client, socketId, 'private-deep');

    const frame = `{"event":"client-deep","channel":"private-deep","data":${deep}}`;
    assert.ok(frame.length > 100_000 && frame.length < 100_100);
    sender.client.sendRaw(frame);
    await local.client.nextEvent('client-deep');
    await remote.client.nextEvent('client-deep');
    assert.equal(local.texts.at(-1), frame, 'local subscriber: the exact frame');
    assert.equal(remote.texts.at(-1), frame, 'subscriber on another node: the exact frame');
    const hook = await receiver.event({ name: 'client_event', event: 'client-deep' });
    assert.equal(hook['socket_id'], sender.socketId);
    assert.ok(receiver.requests.some((request) => request.rawBody.includes(`"data":${deep}}`)), 'webhook body carries the data as sent');

    await sender.client.sync();
    sender.client.send({ event: 'client-after', channel: 'private-deep', data: { ok: true } });
    assert.deepEqual((await remote.client.nextEvent('client-after')).data, { ok: true });
    assert.equal(sender.client.received.filter((message) => message.event === 'pusher:error').length, 0);
    assert.deepEqual(errorLines, []);
  });

  it('answers over-limit deep data with the size error, not an internal error', async () => {
    const sender = await connect(nodeA, OTHER_APP.key);
    clients.push(sender.client);
    await subscribePrivate(sender.client, sender.socketId, 'private-deep', OTHER_APP);
    sender.client.sendRaw(`{"event":"client-deep","channel":"private-deep","data":${deep}}`);
    assert.match(errorMessage(await sender.client.next()), /100000 bytes, over the limit of 10240/);
    await sender.client.sync();
    assert.ok(!sender.client.received.some((message) => message.event === 'pusher:error' && errorMessage(message) === ClientErrors.internal.message));
    assert.deepEqual(errorLines, []);
  });

  it(`refuses presence user_info nested over ${MAX_JSON_DEPTH} levels with its own subscription error`, async () => {
    const { client, socketId } = await connect(nodeA, APP.key);
    clients.push(client);
    const subscribe = (channel: string, levels: number): void => {
      const channelData = `{"user_id":"u","user_info":${nested(levels)}}`;
      client.send({
        event: 'pusher:subscribe',
        data: { channel, auth: signToken(APP, channelStringToSign(socketId, channel, channelData)), channel_data: channelData },
      });
    };
    subscribe('presence-deep', DEPTH);
    const refused = await client.nextEvent('pusher:subscription_error', 'presence-deep');
    assert.deepEqual(refused.data, {
      type: 'LimitReached',
      error: SubscriptionErrors.userInfoTooDeep.message,
      status: 400,
    });
    subscribe('presence-edge', MAX_JSON_DEPTH);
    await client.nextEvent('pusher_internal:subscription_succeeded', 'presence-edge');
    assert.deepEqual(errorLines, []);
  });

  it('refuses a sign-in whose user_info is nested too deeply', async () => {
    const { client, socketId } = await connect(nodeA, APP.key);
    clients.push(client);
    const userData = `{"id":"deep-user","user_info":${nested(DEPTH)}}`;
    client.send({ event: 'pusher:signin', data: { auth: signToken(APP, signinStringToSign(socketId, userData)), user_data: userData } });
    assert.match(errorMessage(await client.nextEvent('pusher:error')), /user_info nests arrays and objects more than 100 levels/);
    await client.sync();
    assert.deepEqual(errorLines, []);
  });

  it('answers deep HTTP API data and channel names with 400 and a code, not 500', async () => {
    const post = async (path: string, body: string): Promise<{ status: number; code: unknown }> => {
      const query = signRestQuery(APP, 'POST', path, {}, body, Date.now());
      const response = await fetch(`${nodeA.httpUrl}${path}?${query}`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
      return { status: response.status, code: ((await response.json()) as { code?: unknown }).code };
    };
    const tooDeep = { status: 400, code: ApiErrors.dataTooDeep.id };
    assert.deepEqual(await post('/apps/app-1/events', `{"name":"e","channel":"c","data":${deep}}`), tooDeep);
    assert.deepEqual(await post('/apps/app-1/batch_events', `{"batch":[{"name":"e","channel":"c","data":${deep}}]}`), tooDeep);
    assert.deepEqual(await post('/apps/app-1/events', `{"name":"e","channels":[${deep}],"data":"x"}`), {
      status: 400,
      code: ApiErrors.invalidChannel.id,
    });
    assert.deepEqual(await post('/apps/app-1/events', `{"name":"e","channel":"c","data":${nested(MAX_JSON_DEPTH)}}`), { status: 200, code: undefined });
    assert.deepEqual(errorLines, []);
  });
});
