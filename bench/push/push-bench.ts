/**
 * The push benchmark: Switchboard with push on (devices in SQLite, the memory queue, or Redis with
 * --redis), the strict local push service in a child process. It registers --devices devices on
 * one interest (written to the database in batches), then measures
 * - how long publishToInterests (the unmodified Beams server SDK) takes to answer for the whole
 *   interest (the fan-out happens in the queue), for the first publish and for a second one
 *   made while the first is being delivered, and
 * - how many encrypted, VAPID-signed messages per second the queue delivers to the push service
 *   (which decrypts each), over --window seconds after a 3 s warm-up.
 * `npm run bench -- --scenarios push` measures the same with Switchboard in a process of its own;
 * this script remains for what that does not: the Redis queue (--redis), push.encryptionThreads
 * (--threads, 0 for the main thread) and one process to profile (node --cpu-prof).
 * Usage: node dist/bench/push/push-bench.js [--devices 100000] [--window 15] [--redis redis://...] [--threads N]
 */
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import PushNotifications from '@pusher/push-notifications-server';
import { parseConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/shared/logger.js';
import { PUSH_STORAGE, type PushTables } from '../../src/push/push-migrations.js';
import { Switchboard } from '../../src/server.js';
import { openStorage } from '../../src/storage/database.js';
import { migrateStorage } from '../../src/storage/migrations.js';

const { values } = parseArgs({ options: { devices: { type: 'string', default: '100000' }, window: { type: 'string', default: '15' }, redis: { type: 'string' }, threads: { type: 'string' } } });
const DEVICES = Number(values.devices);
const WINDOW_S = Number(values.window);
const APP = { id: 'bench', key: 'bench-key', secret: 'bench-secret' };

const child = fork(fileURLToPath(new URL('./push-service-child.js', import.meta.url)), { stdio: 'inherit' });
const replies: ((message: unknown) => void)[] = [];
child.on('message', (message) => replies.shift()?.(message));
const ask = <T>(request?: object): Promise<T> =>
  new Promise((resolve) => {
    replies.push(resolve as (message: unknown) => void);
    if (request !== undefined) child.send(request);
  });
await ask<{ type: 'ready' }>();

const directory = await mkdtemp(join(tmpdir(), 'sb-push-bench-'));
const url = `sqlite:${join(directory, 'switchboard.db')}`;
const config = parseConfig({
  host: '127.0.0.1',
  port: 0,
  log: { level: 'warn' },
  admin: { enabled: false },
  apps: [APP],
  storage: { url },
  push: { enabled: true, allowHttpEndpoints: true, maxQueuedJobs: 1_000_000, ...(values.threads === undefined ? {} : { encryptionThreads: Number(values.threads) }) },
  ...(values.redis === undefined ? {} : { redis: { url: values.redis, keyPrefix: `sbbench:${randomUUID()}:` } }),
});
const server = await Switchboard.create(config, { logger: silentLogger });
const { port } = await server.start();
try {
  const base = `http://127.0.0.1:${port}`;
  const { vapidPublicKey } = (await (await fetch(`${base}/device_api/v1/instances/${APP.id}/web-vapid-public-key`)).json()) as { vapidPublicKey: string };
  const { list } = await ask<{ list: { endpoint: string; p256dh: string; auth: string }[] }>({ type: 'subscribe', count: DEVICES, key: vapidPublicKey });
  const storage = openStorage({ url, poolSize: 1, queryTimeoutMs: 60_000 }, () => undefined);
  await migrateStorage(storage, [PUSH_STORAGE]);
  const db = storage.tables<PushTables>();
  for (let index = 0; index < DEVICES; index += 500) {
    const rows = list.slice(index, index + 500).map((subscription) => ({ app_id: APP.id, id: `web-${randomUUID()}`, ...subscription, user_id: null, metadata: '{}', created_at: Date.now() }));
    await db.insertInto('push_devices').values(rows).execute();
    await db.insertInto('push_interests').values(rows.map((row) => ({ app_id: APP.id, interest: 'everyone', device_id: row.id }))).execute();
  }
  await storage.close();

  const beams = new PushNotifications({ instanceId: APP.id, secretKey: APP.secret, endpoint: '127.0.0.1', port } as PushNotifications.Options);
  const started = performance.now();
  await beams.publishToInterests(['everyone'], { web: { notification: { title: 'bench', body: 'a notification of an ordinary size' }, data: { id: 42 } } });
  const publishMs = performance.now() - started;
  await delay(3_000);
  // A second publish to the same audience while the first is being delivered.
  const againStarted = performance.now();
  await beams.publishToInterests(['everyone'], { web: { notification: { title: 'bench again' } } });
  const publishAgainMs = performance.now() - againStarted;
  const first = await ask<{ delivered: number; cpuMs: number }>({ type: 'count' });
  const serverCpu = process.cpuUsage();
  const windowStart = performance.now();
  await delay(WINDOW_S * 1000);
  const last = await ask<{ delivered: number; refused: number; cpuMs: number }>({ type: 'count' });
  const serverCpuMs = (({ user, system }) => (user + system) / 1000)(process.cpuUsage(serverCpu));
  const delivered = last.delivered - first.delivered;
  const rate = delivered / ((performance.now() - windowStart) / 1000);
  // CPU time per message, in each process: what the shared machine's load does not change much.
  console.log(
    JSON.stringify({
      devices: DEVICES,
      queue: values.redis === undefined ? 'memory' : 'redis',
      threads: values.threads ?? 'default',
      publishMs: Math.round(publishMs),
      publishAgainMs: Math.round(publishAgainMs),
      deliveredPerSecond: Math.round(rate),
      serverCpuMsPerMessage: Number((serverCpuMs / delivered).toFixed(3)),
      pushServiceCpuMsPerMessage: Number(((last.cpuMs - first.cpuMs) / delivered).toFixed(3)),
      deliveredTotal: last.delivered,
      refused: last.refused,
    }),
  );
} finally {
  await server.close();
  child.send({ type: 'close' });
  await rm(directory, { recursive: true, force: true });
}
