/**
 * `switchboard bench --chat`: the in-app chat figures on PostgreSQL (docs/chat.md).
 *
 * - Fan-out: one member of a 100-member room sends at a steady rate (open loop, through the client
 *   API with its token); the other 99, WebSockets in a process of their own subscribed to the
 *   room's channel, record the delay from the start of each send (the HTTP request, the storage
 *   transaction, the publish) to its arrival. After a warm-up, the figures cover `--duration`.
 * - History: a room holding `--history` messages (inserted in SQL), then pages of 50 messages
 *   fetched through the client API at random places; the time of each request is an upper bound of
 *   the server's time.
 *
 * Switchboard runs as the regular benchmark runs it (servers/switchboard-server.ts, its own
 * process) with its storage in a schema of its own, dropped after. Everything shares the machine:
 * the figures are noisy on a shared 2-core box.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { createChatToken } from '../../src/chat/chat-token.js';
import { openStorage } from '../../src/storage/database.js';
import { Histogram, nowMicros, type HistogramData } from '../stats/histogram.js';

const APP = { id: 'bench', key: 'bench-key', secret: 'bench-secret' };
const ROOM = 'bench-room';
const HISTORY_ROOM = 'bench-history';
const RESULTS = fileURLToPath(new URL('../../../bench/results/', import.meta.url));

export const CHAT_USAGE = `Usage: switchboard bench --chat [--storage URL] [--members N] [--rate N] [--duration S] [--history N] [--smoke]

  --storage URL   PostgreSQL (default postgres://postgres@127.0.0.1:5432/test; a schema of its own, dropped after)
  --members N     room members, the sender included (default 100)
  --rate N        messages per second sent (default 500)
  --duration S    measured seconds after a 3 s warm-up (default 20)
  --history N     messages in the history room (default 1000000)
  --smoke         tiny numbers (10 members, 50/s for 2 s, 2000 history messages)`;

interface ChildReport {
  readonly type: 'report';
  readonly latency: HistogramData;
  readonly received: number;
}

export async function runChatBench(argv: readonly string[]): Promise<void> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      chat: { type: 'boolean' },
      storage: { type: 'string' },
      members: { type: 'string' },
      rate: { type: 'string' },
      duration: { type: 'string' },
      history: { type: 'string' },
      smoke: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help === true) return void process.stdout.write(`${CHAT_USAGE}\n`);
  const smoke = values.smoke === true;
  const settings = {
    storage: values.storage ?? 'postgres://postgres@127.0.0.1:5432/test',
    members: Number(values.members ?? (smoke ? 10 : 100)),
    rate: Number(values.rate ?? (smoke ? 50 : 500)),
    durationSeconds: Number(values.duration ?? (smoke ? 2 : 20)),
    history: Number(values.history ?? (smoke ? 2_000 : 1_000_000)),
  };
  const schema = `sb_chat_bench_${randomBytes(4).toString('hex')}`;
  const workdir = await mkdtemp(join(tmpdir(), 'sb-chat-bench-'));
  const configPath = join(workdir, 'switchboard.json');
  await writeFile(
    configPath,
    JSON.stringify({
      host: '127.0.0.1',
      port: 0,
      log: { level: 'warn' },
      admin: { enabled: false },
      apps: [{ ...APP, chat: { messagesPerSecond: 1_000_000, maxMembersPerRoom: 10_000 } }],
      storage: { url: settings.storage, schema, poolSize: 10 },
    }),
  );
  const server = fork(fileURLToPath(new URL('../servers/switchboard-server.js', import.meta.url)), [configPath], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let receivers: ChildProcess | undefined;
  try {
    const port = await nextMessage<{ type: 'ready'; port: number }>(server, 'ready').then((message) => message.port);
    const base = `http://127.0.0.1:${port}/apps/${APP.id}/chat/client`;
    const users = Array.from({ length: settings.members }, (_, index) => `m${index}`);
    const tokens = users.map((userId) => createChatToken({ appId: APP.id, secret: APP.secret, userId, ttlSeconds: 3_600 }));
    await seed(port, users);
    process.stderr.write(`chat bench: ${settings.members} members, ${settings.rate} msg/s for ${settings.durationSeconds} s\n`);
    receivers = fork(fileURLToPath(new URL('./chat-receivers.js', import.meta.url)), [JSON.stringify({ port, appId: APP.id, key: APP.key, room: ROOM, tokens: tokens.slice(1) })], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    await nextMessage(receivers, 'ready');
    const sender = tokens[0] ?? '';
    await sendAt(base, sender, settings.rate, 3);
    receivers.send({ type: 'reset', since: nowMicros() });
    const sends = await sendAt(base, sender, settings.rate, settings.durationSeconds);
    // Let the last deliveries arrive.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    receivers.send({ type: 'report' });
    const report = await nextMessage<ChildReport>(receivers, 'report');
    const fanout = new Histogram();
    fanout.merge(report.latency);
    process.stderr.write(`chat bench: history of ${settings.history} messages\n`);
    const history = await historyPages(base, tokens, settings, schema);
    const result = {
      startedAt: new Date().toISOString(),
      settings,
      fanout: {
        sent: sends.sent,
        failedSends: sends.failed,
        expectedDeliveries: sends.sent * (settings.members - 1),
        deliveries: report.received,
        sendRequest: sends.latency.summary(),
        delivery: fanout.summary(),
      },
      history,
    };
    await mkdir(RESULTS, { recursive: true });
    await writeFile(join(RESULTS, smoke ? 'chat-partial-latest.json' : 'chat-latest.json'), `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    receivers?.kill();
    server.send({ type: 'stop' });
    await new Promise((resolve) => server.once('exit', resolve));
    await dropSchema(settings.storage, schema);
    await rm(workdir, { recursive: true, force: true });
  }
}

function nextMessage<T extends { type: string }>(child: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: T): void => {
      if (message.type !== type) return;
      child.off('message', onMessage);
      resolve(message);
    };
    child.on('message', onMessage);
    child.once('exit', (code) => reject(new Error(`child exited (${String(code)}) before '${type}'`)));
  });
}

/** Users m0..m(N-1), the fan-out room (m0 its admin) and the history room, through the backend API. */
async function seed(port: number, users: readonly string[]): Promise<void> {
  const { createRequire } = await import('node:module');
  const Pusher = createRequire(import.meta.url)('pusher') as new (options: Record<string, unknown>) => { post(options: { path: string; body: unknown }): Promise<unknown> };
  const sdk = new Pusher({ ...APP, appId: APP.id, host: '127.0.0.1', port: String(port), useTLS: false });
  for (let start = 0; start < users.length; start += 20) {
    await Promise.all(users.slice(start, start + 20).map((id) => sdk.post({ path: '/chat/users', body: { id } })));
  }
  await sdk.post({ path: '/chat/rooms', body: { id: ROOM, creator_id: users[0], user_ids: users.slice(1) } });
  await sdk.post({ path: '/chat/rooms', body: { id: HISTORY_ROOM, creator_id: users[0] } });
}

/** Sends at `rate` per second for `seconds` (open loop: a slow answer does not slow the sending). */
async function sendAt(base: string, token: string, rate: number, seconds: number): Promise<{ sent: number; failed: number; latency: Histogram }> {
  const latency = new Histogram();
  const total = Math.round(rate * seconds);
  const started = performance.now();
  let sent = 0;
  let failed = 0;
  const inFlight = new Set<Promise<void>>();
  for (let index = 0; index < total; index += 1) {
    const due = started + (index * 1_000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    const begun = nowMicros();
    const request = fetch(`${base}/rooms/${ROOM}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ parts: [{ type: 'text/plain', content: String(begun) }] }),
      signal: AbortSignal.timeout(10_000),
    }).then(
      async (response) => {
        await response.arrayBuffer();
        if (response.ok) sent += 1;
        else failed += 1;
        latency.record(nowMicros() - begun);
      },
      () => void (failed += 1),
    );
    inFlight.add(request);
    void request.finally(() => inFlight.delete(request));
  }
  await Promise.all(inFlight);
  return { sent, failed, latency };
}

/** Fills the history room in SQL, then times pages of 50 at random places through the client API. */
async function historyPages(base: string, tokens: readonly string[], settings: { storage: string; history: number }, schema: string) {
  const storage = openStorage({ url: settings.storage, schema, poolSize: 1, queryTimeoutMs: 600_000 }, () => undefined);
  try {
    const db = storage.tables<unknown>();
    const started = performance.now();
    await sql`insert into chat_messages (app_id, room_id, id, sender_id, parts, client_key, created_at)
      select ${APP.id}, ${HISTORY_ROOM}, n, 'm0', '[{"type":"text/plain","content":"history"}]', null, n
      from generate_series(1, ${settings.history}::bigint) as n`.execute(db);
    await sql`update chat_rooms set last_message_id = ${settings.history} where app_id = ${APP.id} and id = ${HISTORY_ROOM}`.execute(db);
    await sql`analyze chat_messages`.execute(db);
    const fillSeconds = (performance.now() - started) / 1000;
    const token = tokens[0] ?? '';
    const page = new Histogram();
    const newest = new Histogram();
    for (let index = 0; index < 300; index += 1) {
      const before = 51 + Math.floor(Math.random() * (settings.history - 50));
      for (const [histogram, query] of [
        [page, `before=${before}&limit=50`],
        [newest, 'limit=50'],
      ] as const) {
        const begun = nowMicros();
        const response = await fetch(`${base}/rooms/${HISTORY_ROOM}/messages?${query}`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(10_000) });
        const body = (await response.json()) as { messages: unknown[] };
        if (!response.ok || body.messages.length !== 50) throw new Error(`history page failed: ${response.status}`);
        histogram.record(nowMicros() - begun);
      }
    }
    return { messages: settings.history, fillSeconds: Math.round(fillSeconds * 10) / 10, pageAtRandom: page.summary(), newestPage: newest.summary() };
  } finally {
    await storage.close();
  }
}

async function dropSchema(url: string, schema: string): Promise<void> {
  const storage = openStorage({ url, poolSize: 1, queryTimeoutMs: 60_000 }, () => undefined);
  try {
    await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(storage.tables<unknown>());
  } finally {
    await storage.close();
  }
}
