/**
 * What the fuzzer generates, as plain data (fast-check arbitraries): per client, a sequence of
 * valid-ish protocol steps (subscribe to every channel type with right and wrong auth, client
 * events, unsubscribes, pings, sign-ins) mixed with mutations (bad JSON, wrong types, huge fields,
 * deep nesting, unicode, binary frames, WebSocket protocol violations), each sent whole, split
 * across TCP writes, or fragmented into continuation frames; and HTTP API requests, signed or not,
 * with mutated bodies, queries and headers. Rendering to bytes happens in render.ts, where the
 * socket id (needed to sign) is known.
 */
import fc from 'fast-check';

export type Auth = 'right' | 'wrong-signature' | 'wrong-key' | 'none' | { readonly garbage: string };

/** JSON text, or a recipe for text too big or too deep to generate value by value. */
export type JsonText = string | { readonly deep: number; readonly open: '[' | '{"a":' } | { readonly big: number; readonly char: string };

export type Split =
  | { readonly kind: 'whole' }
  | { readonly kind: 'tcp'; readonly cuts: readonly number[] }
  | { readonly kind: 'fragments'; readonly cuts: readonly number[]; readonly pingBetween: boolean };

/** An edit of the rendered text of a valid step: positions are fractions of its length. */
export type Mutation =
  | { readonly kind: 'none' }
  | { readonly kind: 'cut'; readonly at: number }
  | { readonly kind: 'insert'; readonly at: number; readonly text: string }
  | { readonly kind: 'delete'; readonly at: number; readonly length: number };

export type Step =
  | { readonly kind: 'subscribe'; readonly channel: string; readonly auth: Auth; readonly channelData: JsonText | undefined; readonly mutation: Mutation; readonly split: Split }
  | { readonly kind: 'unsubscribe'; readonly channel: string; readonly mutation: Mutation; readonly split: Split }
  | { readonly kind: 'client-event'; readonly channel: string; readonly event: string; readonly data: JsonText | undefined; readonly mutation: Mutation; readonly split: Split }
  | { readonly kind: 'signin'; readonly auth: Auth; readonly userData: JsonText; readonly mutation: Mutation; readonly split: Split }
  | { readonly kind: 'ping'; readonly split: Split }
  | { readonly kind: 'raw'; readonly text: string; readonly split: Split }
  | { readonly kind: 'binary'; readonly bytes: Uint8Array }
  | { readonly kind: 'violation'; readonly violation: Violation };

export type Violation = 'unmasked' | 'rsv' | 'bad-opcode' | 'bad-utf8' | 'long-ping' | 'orphan-continuation' | 'oversize' | 'close';

export interface HttpInput {
  readonly method: string;
  readonly path: string;
  readonly signing: 'valid' | 'none' | 'bad-signature' | 'old-timestamp' | 'body-changed';
  readonly params: readonly (readonly [string, string])[];
  readonly body: JsonText | Uint8Array | undefined;
  readonly headers: readonly (readonly [string, string])[];
}

export interface Batch {
  readonly clients: readonly (readonly Step[])[];
  readonly http: readonly HttpInput[];
}

export const USER_IDS = ['u1', 'u2', '__proto__', 'constructor', 7, 0] as const;

const CHANNELS = [
  'fuzz',
  '__proto__',
  'private-fuzz',
  'private-fuzz-2',
  'presence-fuzz',
  'presence-__proto__',
  'cache-fuzz',
  'private-cache-fuzz',
  'presence-cache-fuzz',
  'private-encrypted-fuzz',
  '#server-to-user-u1',
];

const unicode = fc.string({ unit: 'binary', maxLength: 40 });
const channel = fc.oneof({ arbitrary: fc.constantFrom(...CHANNELS), weight: 8 }, { arbitrary: fc.string({ maxLength: 220 }), weight: 1 }, { arbitrary: unicode, weight: 1 });

/** Small JSON values: generating them is most of the fuzzer's own cost. */
const smallJson = (maxDepth: number): fc.Arbitrary<fc.JsonValue> => fc.jsonValue({ maxDepth, depthSize: 'xsmall' });

const jsonText: fc.Arbitrary<JsonText> = fc.oneof(
  { arbitrary: smallJson(3).map((value) => JSON.stringify(value)), weight: 30 },
  { arbitrary: unicode.map((text) => JSON.stringify(text)), weight: 9 },
  { arbitrary: fc.record({ deep: fc.oneof(fc.integer({ min: 90, max: 110 }), fc.integer({ min: 1, max: 60_000 })), open: fc.constantFrom('[' as const, '{"a":' as const) }), weight: 1 },
  { arbitrary: fc.record({ big: fc.oneof({ arbitrary: fc.integer({ min: 10_230, max: 10_250 }), weight: 3 }, { arbitrary: fc.integer({ min: 0, max: 110_000 }), weight: 1 }), char: fc.constantFrom('x', 'é', '"', '\\', '\u{1f600}') }), weight: 1 },
);

const auth: fc.Arbitrary<Auth> = fc.oneof(
  { arbitrary: fc.constant('right' as const), weight: 6 },
  { arbitrary: fc.constantFrom('wrong-signature' as const, 'wrong-key' as const, 'none' as const), weight: 3 },
  { arbitrary: unicode.map((garbage) => ({ garbage })), weight: 1 },
);

const channelData: fc.Arbitrary<JsonText | undefined> = fc.oneof(
  {
    arbitrary: fc
      .record({ user_id: fc.constantFrom(...USER_IDS), user_info: fc.option(smallJson(2), { nil: undefined }) })
      .map((member) => JSON.stringify(member)),
    weight: 40,
  },
  { arbitrary: fc.constant(undefined), weight: 5 },
  { arbitrary: jsonText, weight: 5 },
  { arbitrary: fc.integer({ min: 1, max: 50_000 }).map((levels) => `{"user_id":"u1","user_info":${'['.repeat(levels)}${']'.repeat(levels)}}`), weight: 1 },
);

const userData: fc.Arbitrary<JsonText> = fc.oneof(
  {
    arbitrary: fc
      .record({
        id: fc.oneof(fc.constantFrom('u1', 'u2', '__proto__', 'constructor'), fc.string({ maxLength: 10 })),
        watchlist: fc.option(fc.array(fc.constantFrom('u1', 'u2', '__proto__', 'x', ''), { maxLength: 6 }), { nil: undefined }),
        user_info: fc.option(smallJson(2), { nil: undefined }),
      })
      .map((value) => JSON.stringify(value)),
    weight: 6,
  },
  { arbitrary: jsonText, weight: 1 },
);

const split: fc.Arbitrary<Split> = fc.oneof(
  { arbitrary: fc.constant({ kind: 'whole' as const }), weight: 6 },
  { arbitrary: fc.record({ kind: fc.constant('tcp' as const), cuts: fc.array(fc.nat(200), { minLength: 1, maxLength: 6 }) }), weight: 2 },
  {
    arbitrary: fc.record({ kind: fc.constant('fragments' as const), cuts: fc.array(fc.nat(200), { minLength: 1, maxLength: 4 }), pingBetween: fc.boolean() }),
    weight: 2,
  },
);

const fraction = fc.double({ min: 0, max: 1, noNaN: true });
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { arbitrary: fc.constant({ kind: 'none' as const }), weight: 12 },
  { arbitrary: fc.record({ kind: fc.constant('cut' as const), at: fraction }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('insert' as const), at: fraction, text: fc.oneof(unicode, fc.constantFrom('"', '{', '}', ',', '\\', 'null', '[')) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('delete' as const), at: fraction, length: fc.integer({ min: 1, max: 8 }) }), weight: 1 },
);

const eventName = fc.oneof(
  { arbitrary: fc.constantFrom('client-x', 'client-typing', 'client-'), weight: 6 },
  { arbitrary: fc.string({ maxLength: 220 }).map((name) => `client-${name}`), weight: 1 },
);

const rawText = fc.oneof(
  fc.string({ maxLength: 80 }),
  unicode,
  smallJson(3).map((value) => JSON.stringify(value)),
  fc
    .record({
      event: fc.oneof(fc.constantFrom('pusher:subscribe', 'pusher:unsubscribe', 'pusher:signin', 'pusher:ping', 'pusher:pong', 'client-x'), fc.string({ maxLength: 20 })),
      data: smallJson(2),
      channel: fc.option(fc.oneof(fc.constantFrom(...CHANNELS), smallJson(2)), { nil: undefined }),
    })
    .map((value) => JSON.stringify(value)),
  fc.constantFrom('', '{', 'null', '[]', '{"event":"pusher:subscribe","data":"{\\"channel\\":\\"fuzz\\"}"}', '{"event":"pusher:subscribe","data":{"channel":"fuzz","auth":5}}'),
);

const protocolStep: fc.Arbitrary<Step> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('subscribe' as const), channel, auth, channelData, mutation, split }), weight: 6 },
  { arbitrary: fc.record({ kind: fc.constant('unsubscribe' as const), channel, mutation, split }), weight: 2 },
  {
    arbitrary: fc.record({ kind: fc.constant('client-event' as const), channel, event: eventName, data: fc.option(jsonText, { nil: undefined }), mutation, split }),
    weight: 6,
  },
  { arbitrary: fc.record({ kind: fc.constant('signin' as const), auth, userData, mutation, split }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('ping' as const), split }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('raw' as const), text: rawText, split }), weight: 4 },
  { arbitrary: fc.record({ kind: fc.constant('binary' as const), bytes: fc.uint8Array({ maxLength: 64 }) }), weight: 1 },
);

const violation: fc.Arbitrary<Step> = fc.record({
  kind: fc.constant('violation' as const),
  violation: fc.constantFrom<Violation>('unmasked', 'rsv', 'bad-opcode', 'bad-utf8', 'long-ping', 'orphan-continuation', 'oversize', 'close'),
});

/** Violations close their connection: rare (1 in 200 steps), so sequences mostly run to their end. */
export const step: fc.Arbitrary<Step> = fc.oneof({ arbitrary: protocolStep, weight: 199 }, { arbitrary: violation, weight: 1 });

const API_PATHS = [
  '/apps/{app}/events',
  '/apps/{app}/events',
  '/apps/{app}/batch_events',
  '/apps/{app}/channels',
  '/apps/{app}/channels/presence-fuzz',
  '/apps/{app}/channels/presence-fuzz/users',
  '/apps/{app}/channels/__proto__',
  '/apps/{app}/channels/cache-fuzz',
  '/apps/{app}/users/u2/terminate_connections',
  '/apps/unknown/events',
  '/app/fuzz-key/123/abcdef/xhr_send',
  '/health',
  '/',
];

/** Characters a request line may carry unescaped, `%` and `+` included to exercise decoding. */
const queryText = fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'z', '_', ',', '.', '-', ':', '%', '+', '0', '9'), maxLength: 20 });

const eventBody = fc
  .record(
    {
      name: fc.oneof(fc.constantFrom('e', 'client-x'), fc.string({ maxLength: 220 }), smallJson(2)),
      channel: fc.oneof(fc.constantFrom(...CHANNELS), smallJson(2)),
      channels: fc.oneof(fc.array(fc.constantFrom(...CHANNELS), { maxLength: 12 }), smallJson(2)),
      data: fc.oneof(unicode, smallJson(2)),
      socket_id: fc.oneof(fc.constantFrom('1.2', '123.456'), smallJson(1)),
      info: fc.oneof(fc.constantFrom('user_count', 'subscription_count', 'user_count,subscription_count', 'nope'), smallJson(1)),
    },
    { requiredKeys: ['name', 'data'] },
  )
  .map((event) => JSON.stringify(event));

const httpBody: fc.Arbitrary<JsonText | Uint8Array | undefined> = fc.oneof(
  { arbitrary: eventBody, weight: 6 },
  { arbitrary: fc.array(eventBody, { maxLength: 12 }).map((events) => `{"batch":[${events.join(',')}]}`), weight: 2 },
  { arbitrary: jsonText, weight: 2 },
  { arbitrary: fc.uint8Array({ maxLength: 200 }), weight: 1 },
  { arbitrary: fc.constant(undefined), weight: 1 },
);

export const httpInput: fc.Arbitrary<HttpInput> = fc.record({
  method: fc.oneof({ arbitrary: fc.constantFrom('POST', 'GET'), weight: 8 }, { arbitrary: fc.constantFrom('PUT', 'DELETE', 'OPTIONS', 'PATCH'), weight: 1 }),
  path: fc.oneof({ arbitrary: fc.constantFrom(...API_PATHS), weight: 8 }, { arbitrary: fc.webPath(), weight: 1 }),
  signing: fc.oneof(
    { arbitrary: fc.constant('valid' as const), weight: 6 },
    { arbitrary: fc.constantFrom('none' as const, 'bad-signature' as const, 'old-timestamp' as const, 'body-changed' as const), weight: 2 },
  ),
  params: fc.array(
    fc.tuple(fc.oneof(fc.constantFrom('info', 'filter_by_prefix', 'auth_version', '__proto__'), queryText), queryText),
    { maxLength: 3 },
  ),
  body: httpBody,
  headers: fc.array(
    fc.tuple(
      fc.constantFrom('content-type', 'x-pusher-library', 'origin', 'accept-encoding'),
      fc.oneof(fc.constantFrom('application/json', 'text/plain', 'gzip', ''), fc.string({ unit: 'grapheme-ascii', maxLength: 30 })),
    ),
    { maxLength: 2 },
  ),
});

/** One batch: `clients` sequences of exactly `steps` steps, and `requests` HTTP requests. */
export function batch(clients: number, steps: number, requests: number): fc.Arbitrary<Batch> {
  return fc.record({
    clients: fc.array(fc.array(step, { minLength: steps, maxLength: steps }), { minLength: clients, maxLength: clients }),
    http: fc.array(httpInput, { minLength: requests, maxLength: requests }),
  });
}
