/**
 * A Switchboard with push notifications on (devices in a SQLite file of its own, or PostgreSQL),
 * the local push service standing in for the browsers' push services, the unmodified Beams
 * server SDK pointed at Switchboard with `endpoint` (and `port`), and browser devices made as the
 * web SDK makes them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import PushNotifications from '@pusher/push-notifications-server';
import type { ConfigInput } from '../../src/config/schema.js';
import { BeamsWebDevice } from './beams-web-device.js';
import { LocalPushService, type TestSubscription } from './push-service.js';
import { APP, startServer, type TestServer } from './server.js';

export interface PushSetup {
  readonly server: TestServer;
  readonly service: LocalPushService;
  readonly beams: PushNotifications;
  readonly directory: string;
  /** A browser that subscribed with the app's VAPID key and registered through the device API. */
  newDevice(): Promise<{ device: BeamsWebDevice; subscription: TestSubscription }>;
  close(): Promise<void>;
}

export interface PushSetupOptions {
  readonly push?: Partial<ConfigInput['push']>;
  readonly overrides?: Partial<ConfigInput>;
  readonly now?: () => number;
  /** Keep the data directory (a restart test reuses it). */
  readonly directory?: string;
}

export function beamsClient(server: Pick<TestServer, 'host' | 'port'>, secretKey = APP.secret, instanceId = APP.id): PushNotifications {
  // `port` is read by the SDK (push-notifications.js) though its typings omit it.
  const options = { instanceId, secretKey, endpoint: server.host, port: server.port };
  return new PushNotifications(options);
}

export async function startPushSetup(options: PushSetupOptions = {}): Promise<PushSetup> {
  const directory = options.directory ?? (await mkdtemp(join(tmpdir(), 'sb-push-')));
  const service = await LocalPushService.start(options.now === undefined ? {} : { now: options.now });
  const server = await startServer({
    storage: { url: `sqlite:${join(directory, 'switchboard.db')}` },
    push: { enabled: true, allowHttpEndpoints: true, retryInitialDelayMs: 50, ...options.push },
    ...options.overrides,
  });
  const beams = beamsClient(server);
  return {
    server,
    service,
    beams,
    directory,
    async newDevice() {
      const device = new BeamsWebDevice(server.httpUrl, APP.id);
      const key = await device.vapidPublicKey();
      const subscription = service.subscribe((key.body as { vapidPublicKey: string }).vapidPublicKey);
      const answer = await device.register(subscription);
      if (answer.status !== 200) throw new Error(`register answered ${answer.status}: ${JSON.stringify(answer.body)}`);
      return { device, subscription };
    },
    async close() {
      await server.close();
      await service.close();
      if (options.directory === undefined) await rm(directory, { recursive: true, force: true });
    },
  };
}
