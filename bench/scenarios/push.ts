/**
 * Push notifications: Switchboard (the target process, push on, devices in SQLite, the memory
 * queue, encryption on its worker threads) delivers to the strict local push service of the tests
 * in a process of its own (push/push-service-child.ts: VAPID checked, every message decrypted).
 * `pushDevices` subscriptions are made there and written to the target's database; then
 * - the first publish to their interest (the unmodified Beams server SDK) is timed, cold;
 * - after `pushWarmupMs` a second publish to the same interest is timed (warm, while the first
 *   is being delivered): the "returns within 1 s for 100,000 devices";
 * - then over `pushWindowMs` the messages the push service accepted per second, and the CPU time
 *   per message of each process (what the machine's other load changes least).
 * Only Switchboard runs it: the baseline has no push.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import PushNotifications from '@pusher/push-notifications-server';
import type { ConfigInput } from '../../src/config/schema.js';
import { PUSH_STORAGE, type PushTables } from '../../src/push/push-migrations.js';
import { openStorage } from '../../src/storage/database.js';
import { migrateStorage } from '../../src/storage/migrations.js';
import type { Sizes } from '../options.js';
import type { RunningTarget } from '../servers/targets.js';
import { loadMetrics, Meter, per } from './fleet.js';
import type { ScenarioContext, ScenarioGroup, ScenarioRun } from './scenario.js';

const INTEREST = 'everyone';
const INSERT_BATCH = 500;
const FIRST_DELIVERY_TIMEOUT_MS = 30_000;
const POLL_MS = 20;
const CHILD = fileURLToPath(new URL('../push/push-service-child.js', import.meta.url));

const databaseOf = (workdir: string): string => join(workdir, 'push.db');

/** The push service child over IPC: one request, one answer, in order. */
class PushServiceChild {
  readonly #child: ChildProcess;
  readonly #replies: ((message: unknown) => void)[] = [];

  private constructor(child: ChildProcess) {
    this.#child = child;
    child.on('message', (message) => this.#replies.shift()?.(message));
  }

  static async start(): Promise<PushServiceChild> {
    const service = new PushServiceChild(fork(CHILD, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
    await service.ask({ type: 'ready' }, false);
    return service;
  }

  ask<T>(request: { readonly type: string; readonly [field: string]: unknown }, send = true): Promise<T> {
    return new Promise((resolve, reject) => {
      this.#replies.push(resolve as (message: unknown) => void);
      this.#child.once('exit', (code) => reject(new Error(`the push service exited (code ${code}) before answering ${request.type}`)));
      if (send) this.#child.send(request);
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.#child.exitCode !== null) return resolve();
      this.#child.once('exit', () => resolve());
      this.#child.send({ type: 'close' });
    });
  }
}

/** Replaces the devices of the benchmark app with `list`, all on one interest. */
async function writeDevices(workdir: string, appId: string, list: readonly { endpoint: string; p256dh: string; auth: string }[]): Promise<void> {
  const storage = openStorage({ url: `sqlite:${databaseOf(workdir)}`, poolSize: 1, queryTimeoutMs: 60_000 }, () => undefined);
  try {
    await migrateStorage(storage, [PUSH_STORAGE]);
    const db = storage.tables<PushTables>();
    await db.deleteFrom('push_interests').where('app_id', '=', appId).execute();
    await db.deleteFrom('push_devices').where('app_id', '=', appId).execute();
    for (let index = 0; index < list.length; index += INSERT_BATCH) {
      const rows = list.slice(index, index + INSERT_BATCH).map((subscription) => ({ app_id: appId, id: `web-${randomUUID()}`, ...subscription, user_id: null, metadata: '{}', created_at: Date.now() }));
      await db.insertInto('push_devices').values(rows).execute();
      await db.insertInto('push_interests').values(rows.map((row) => ({ app_id: appId, interest: INTEREST, device_id: row.id }))).execute();
    }
  } finally {
    await storage.close();
  }
}

async function measure(context: ScenarioContext, target: RunningTarget, service: PushServiceChild): Promise<ScenarioRun> {
  const { sizes, progress, pool } = context;
  const { host, port, appId, secret } = target.endpoint;
  const base = `http://${host}:${port}`;
  const { vapidPublicKey } = (await (await fetch(`${base}/device_api/v1/instances/${appId}/web-vapid-public-key`)).json()) as { vapidPublicKey: string };
  progress.phase(`subscribing ${sizes.pushDevices} devices`);
  const { list } = await service.ask<{ list: { endpoint: string; p256dh: string; auth: string }[] }>({ type: 'subscribe', count: sizes.pushDevices, key: vapidPublicKey });
  progress.phase(`writing ${sizes.pushDevices} devices`);
  await writeDevices(context.workdir, appId, list);
  const beams = new PushNotifications({ instanceId: appId, secretKey: secret, endpoint: host, port } as PushNotifications.Options);
  progress.phase('publishing');
  const started = performance.now();
  await beams.publishToInterests([INTEREST], { web: { notification: { title: 'bench', body: 'a notification of an ordinary size' }, data: { id: 42 } } });
  const publishMs = performance.now() - started;
  // The warm-up counts from the first message delivered (threads started, connections opened).
  const firstDeliveryBy = Date.now() + FIRST_DELIVERY_TIMEOUT_MS;
  while ((await service.ask<{ delivered: number }>({ type: 'count' })).delivered === 0) {
    if (Date.now() > firstDeliveryBy) throw new Error(`no message reached the push service within ${FIRST_DELIVERY_TIMEOUT_MS / 1000} s of the publish`);
    await delay(POLL_MS);
  }
  await delay(sizes.pushWarmupMs);
  const againStarted = performance.now();
  await beams.publishToInterests([INTEREST], { web: { notification: { title: 'bench again' } } });
  const publishAgainMs = performance.now() - againStarted;
  progress.phase(`delivering for ${sizes.pushWindowMs / 1000} s`);
  const first = await service.ask<{ delivered: number; refused: number; cpuMs: number }>({ type: 'count' });
  const meter = new Meter(target.pid, pool);
  await delay(sizes.pushWindowMs);
  const last = await service.ask<{ delivered: number; refused: number; cpuMs: number }>({ type: 'count' });
  const measured = meter.stop();
  const delivered = last.delivered - first.delivered;
  const pushServiceSeconds = (last.cpuMs - first.cpuMs) / 1000;
  const load = loadMetrics(measured);
  return {
    scenario: 'push',
    target: target.spec.name,
    metrics: {
      devices: sizes.pushDevices,
      publishMs,
      publishAgainMs,
      deliveries: delivered,
      deliveriesPerSecond: per(delivered, measured.wallSeconds),
      cpuMsPerMessage: per(measured.serverCpuSeconds, delivered, 1000),
      pushServiceCpuMsPerMessage: per(pushServiceSeconds, delivered, 1000),
      serverCores: per(measured.serverCpuSeconds, measured.wallSeconds),
      pushServiceCores: pushServiceSeconds / measured.wallSeconds,
      refused: last.refused,
      ...load,
      // The push service is neither the server nor the generator: not "other load" either.
      otherCores: load['otherCores'] === null || load['otherCores'] === undefined ? null : Math.max(0, load['otherCores'] - pushServiceSeconds / measured.wallSeconds),
    },
    lost: 0,
    errors: last.refused,
    samples: last.refused > 0 ? [`the push service refused ${last.refused} messages`] : [],
  };
}

export function pushGroup(sizes: Sizes): ScenarioGroup {
  return {
    id: 'push',
    scenarios: [
      {
        id: 'push',
        title: 'Push: encrypted, VAPID-signed Web Push messages to a local push service',
        workload: {
          connections: 0,
          channelsPerConnection: 0,
          publishesPerSecond: null,
          subscribersPerPublish: sizes.pushDevices,
          payloadBytes: null,
          transport: 'Beams publish API; Web Push over HTTP/1.1 keep-alive to a push service in its own process',
          durationSeconds: sizes.pushWindowMs / 1000,
          notes: `two publishes to one interest of ${sizes.pushDevices} devices (SQLite, memory queue); deliveries measured from ${sizes.pushWarmupMs / 1000} s after the first one; the push service checks VAPID and decrypts every message`,
        },
        columns: ['deliveriesPerSecond', 'cpuMsPerMessage', 'pushServiceCpuMsPerMessage', 'publishMs', 'publishAgainMs', 'serverCores', 'pushServiceCores', 'otherCores'],
      },
    ],
    kinds: ['switchboard'],
    configure(config: ConfigInput, workdir: string): ConfigInput {
      return {
        ...config,
        storage: { url: `sqlite:${databaseOf(workdir)}` },
        push: { enabled: true, allowHttpEndpoints: true, maxQueuedJobs: 1_000_000 },
      };
    },
    async run(context: ScenarioContext, target: RunningTarget): Promise<ScenarioRun[]> {
      context.progress.phase('starting the push service');
      const service = await PushServiceChild.start();
      try {
        return [await measure(context, target, service)];
      } finally {
        await service.close();
      }
    },
  };
}
