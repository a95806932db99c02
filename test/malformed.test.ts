/**
 * Bad input never crashes or stalls the server: each malformed frame gets its documented answer and
 * the connection keeps working; a property test throws arbitrary frames at it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { ClientErrors } from '../src/protocol/errors.js';
import { RawClient, type ServerMessage } from './helpers/raw-client.js';
import { APP, startServer, type TestServer } from './helpers/server.js';

const DOCUMENTED_MESSAGES = new Set(Object.values(ClientErrors).map((error) => error.message));
/** Events the server may send to a client that sends arbitrary frames. */
const ALLOWED_EVENTS = new Set([
  'pusher:error',
  'pusher:pong',
  'pusher:subscription_error',
  'pusher_internal:subscription_succeeded',
  'pusher:signin_success',
  'pusher:cache_miss',
]);

describe('malformed input', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ websocket: { maxPayloadBytes: 65_536 } });
  });
  after(() => server.close());

  const cases: [string, string, string][] = [
    ['invalid JSON', '{nope', ClientErrors.invalidJson.message],
    ['an empty frame', '', ClientErrors.invalidJson.message],
    ['a JSON array', '[]', ClientErrors.notAnObject.message],
    ['a JSON string', '"hello"', ClientErrors.notAnObject.message],
    ['null', 'null', ClientErrors.notAnObject.message],
    ['an object without event', '{"data":{}}', ClientErrors.missingEvent.message],
    ['a numeric event', '{"event":1}', ClientErrors.missingEvent.message],
    ['subscribe without data', '{"event":"pusher:subscribe"}', ClientErrors.invalidData.message],
    ['subscribe with a numeric channel', '{"event":"pusher:subscribe","data":{"channel":1}}', ClientErrors.invalidData.message],
    ['signin without user_data', '{"event":"pusher:signin","data":{"auth":"a"}}', ClientErrors.invalidData.message],
    ['an unknown pusher: event', '{"event":"pusher:shutdown","data":{}}', ClientErrors.unknownEvent.message],
    ['a pusher_internal: event', '{"event":"pusher_internal:member_added","channel":"presence-a","data":"{}"}', ClientErrors.unknownEvent.message],
    ['an event without client- prefix', '{"event":"hello","channel":"private-a","data":{}}', ClientErrors.unknownEvent.message],
    ['a client event without channel', '{"event":"client-a","data":{}}', ClientErrors.invalidData.message],
  ];
  for (const [what, frame, message] of cases) {
    it(`answers ${what} with pusher:error and keeps the connection`, async () => {
      const { client } = await RawClient.connect(server.wsUrl, APP.key);
      client.sendRaw(frame);
      const answer = await client.next();
      assert.deepEqual(answer, { event: 'pusher:error', data: { code: null, message } });
      await client.sync();
      await client.close();
    });
  }

  it('answers a binary frame with pusher:error and keeps the connection', async () => {
    const { client } = await RawClient.connect(server.wsUrl, APP.key);
    client.sendRaw(Buffer.from('{"event":"pusher:ping"}'), true);
    assert.deepEqual(await client.next(), { event: 'pusher:error', data: { code: null, message: ClientErrors.binaryFrame.message } });
    await client.sync();
    await client.close();
  });

  it('closes with 1007 on a text frame that is not UTF-8', async () => {
    const { client } = await RawClient.connect(server.wsUrl, APP.key);
    client.sendRaw(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), false);
    assert.equal((await client.closed).code, 1007);
  });

  it('closes with 1009 on a frame over websocket.maxPayloadBytes, and keeps serving others', async () => {
    const { client } = await RawClient.connect(server.wsUrl, APP.key);
    const other = await RawClient.connect(server.wsUrl, APP.key);
    client.sendRaw(JSON.stringify({ event: 'client-x', channel: 'private-a', data: 'x'.repeat(70_000) }));
    assert.equal((await client.closed).code, 1009);
    await other.client.sync();
    await other.client.close();
  });

  it('survives arbitrary frames: answers only with documented messages and stays up', async () => {
    const { client } = await RawClient.connect(server.wsUrl, APP.key);
    const jsonish = fc.oneof(
      fc.string(),
      fc.json(),
      fc.record({ event: fc.oneof(fc.string(), fc.constantFrom('pusher:subscribe', 'pusher:unsubscribe', 'pusher:signin', 'pusher:ping', 'client-x')), data: fc.jsonValue(), channel: fc.option(fc.string()) }).map((value) => JSON.stringify(value)),
      fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(jsonish, { minLength: 1, maxLength: 8 }), async (frames) => {
        const before = client.received.length;
        for (const frame of frames) client.sendRaw(frame);
        await client.sync();
        const answers: ServerMessage[] = client.received.slice(before);
        for (const answer of answers) {
          assert.ok(ALLOWED_EVENTS.has(answer.event), `unexpected event ${answer.event}`);
          if (answer.event === 'pusher:error') {
            const data = answer.data as { code: unknown; message: string };
            assert.ok(data.code === null || data.code === 4301, `undocumented code ${String(data.code)}`);
            const documented = DOCUMENTED_MESSAGES.has(data.message) || /^(Client event|Invalid|.* \(channel )/.test(data.message);
            assert.ok(documented, `undocumented message ${data.message}`);
          }
        }
      }),
      { numRuns: 200 },
    );
    assert.equal(client.ws.readyState, client.ws.OPEN, 'the connection survived');
    const fresh = await RawClient.connect(server.wsUrl, APP.key);
    await fresh.client.close();
    await client.close();
  });
});
