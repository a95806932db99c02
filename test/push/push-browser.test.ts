/**
 * The Beams web SDK and its service worker in real headless Chromium (Debian `chromium`, driven by
 * playwright-core), as far as a browser gets without a vendor push service:
 * - the page runs the SDK's CDN build with `endpointOverride` and the app's own (module) service
 *   worker built on the SDK's service worker source with `endpointOverride` set; `client.start()`
 *   fetches the VAPID key from Switchboard (cross-origin, CORS), then `pushManager.subscribe`
 *   needs Google's push service, which is unreachable here: the test records how it ends;
 * - a message Switchboard sent (decrypted by the local push service) is handed to the service
 *   worker as a push event through the DevTools protocol: the worker shows the notification and
 *   reports the delivery to Switchboard's reporting API, which counts it on the publish status
 *   and, the device having a user, sends Beams' acknowledgement webhook.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type BrowserContext } from 'playwright-core';
import { REPO_ROOT } from '../helpers/cli.js';
import { startPushSetup, type PushSetup } from '../helpers/push-setup.js';
import { APP } from '../helpers/server.js';
import { eventually } from '../helpers/wait.js';
import { WebhookReceiver, type ReceivedWebhook } from '../helpers/webhook-receiver.js';

const CHROMIUM = '/usr/bin/chromium';
const SDK = join(REPO_ROOT, 'node_modules', '@pusher', 'push-notifications-web');

interface BrowserGlobals {
  PusherPushNotifications: { Client: new (options: Record<string, unknown>) => { start(): Promise<unknown> } };
  startResult?: string;
  notifications?: string[];
}

async function startPageServer(switchboardUrl: string): Promise<{ server: Server; origin: string }> {
  const page = '<!DOCTYPE html><html><head><meta charset="utf-8"><title>Beams test</title></head><body><script src="/push-notifications-cdn.js"></script></body></html>';
  // The app's service worker: the SDK's worker source as an ES module, pointed at Switchboard.
  const worker = `import '/sdk/service-worker.js';\nself.PusherPushNotifications.endpointOverride = ${JSON.stringify(switchboardUrl)};\n`;
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    const send = (type: string, body: string | Buffer): void => {
      response.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
    };
    if (path === '/') return send('text/html', page);
    if (path === '/service-worker.js') return send('text/javascript', worker);
    if (path === '/push-notifications-cdn.js') {
      void readFile(join(SDK, 'dist', 'push-notifications-cdn.js')).then((file) => send('text/javascript', file));
      return;
    }
    const module = /^\/sdk\/([a-z-]+)(\.js)?$/.exec(path)?.[1];
    if (module !== undefined) {
      void readFile(join(SDK, 'src', `${module}.js`)).then(
        (file) => send('text/javascript', file),
        () => response.writeHead(404).end(),
      );
      return;
    }
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('push: the Beams web SDK and service worker in Chromium', () => {
  let setup: PushSetup;
  let pages: { server: Server; origin: string };
  let context: BrowserContext;
  let userDataDir: string;
  let receiver: WebhookReceiver;

  before(async () => {
    receiver = await WebhookReceiver.start();
    setup = await startPushSetup({ overrides: { apps: [{ ...APP, pushWebhooks: [{ url: receiver.url('/beams') }] }] } });
    pages = await startPageServer(setup.server.httpUrl);
    userDataDir = await mkdtemp(join(tmpdir(), 'switchboard-chromium-push-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    await context.grantPermissions(['notifications'], { origin: pages.origin });
  });

  after(async () => {
    await context.close();
    await new Promise<void>((resolve) => pages.server.close(() => resolve()));
    await setup.close();
    await receiver.close();
    await rm(userDataDir, { recursive: true, force: true });
  });

  it('start() gets the VAPID key from Switchboard; the service worker shows a Switchboard message and reports its delivery', async () => {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    const cdp = await context.newCDPSession(page);
    const registrations = new Map<string, string>();
    cdp.on('ServiceWorker.workerRegistrationUpdated', (event: { registrations: { registrationId: string; scopeURL: string }[] }) => {
      for (const registration of event.registrations) registrations.set(registration.scopeURL, registration.registrationId);
    });
    await cdp.send('ServiceWorker.enable');
    await page.goto(`${pages.origin}/`);

    // The SDK as a page uses it: its own worker registration, endpointOverride at Switchboard.
    await page.evaluate(
      async ({ instanceId, endpoint }) => {
        const globals = globalThis as unknown as BrowserGlobals & { navigator: { serviceWorker: { register(url: string, options: object): Promise<unknown>; ready: Promise<unknown> } } };
        await globals.navigator.serviceWorker.register('/service-worker.js', { type: 'module', scope: '/' });
        const registration = await globals.navigator.serviceWorker.ready;
        const client = new globals.PusherPushNotifications.Client({ instanceId, endpointOverride: endpoint, serviceWorkerRegistration: registration });
        const timeout = new Promise<string>((resolve) => setTimeout(() => resolve('start() did not settle within 5 s'), 5_000));
        globals.startResult = await Promise.race([
          client.start().then(
            () => 'started',
            (error: unknown) => `${(error as Error).name}: ${(error as Error).message}`,
          ),
          timeout,
        ]);
      },
      { instanceId: APP.id, endpoint: setup.server.httpUrl },
    );
    const startResult = await page.evaluate(() => (globalThis as unknown as BrowserGlobals).startResult);
    console.log(`client.start() in Chromium: ${String(startResult)}`);
    const { samples } = await (await import('../helpers/metrics.js')).scrape(`http://127.0.0.1:${setup.server.server.adminAddress?.port ?? 0}`, setup.server.server.config.admin.token);
    const keyRequests = samples.filter((sample) => sample.name === 'switchboard_http_api_request_duration_seconds_count' && sample.labels['route']?.endsWith('/web-vapid-public-key') === true && sample.labels['status'] === '200');
    assert.ok(keyRequests.length === 1 && (keyRequests[0]?.value ?? 0) >= 1, 'the SDK fetched the VAPID public key from Switchboard');

    // A device registered as the SDK registers one, its id in the SDK's IndexedDB state (what
    // start() would have stored), and a message Switchboard sent to it.
    const { device, subscription } = await setup.newDevice();
    assert.equal((await device.setUserId(setup.beams.generateToken('user-browser').token)).status, 200);
    const deviceId = device.deviceId ?? '';
    await page.evaluate(
      async ({ instanceId, id }) => {
        // A path the page server serves (not a module TypeScript could resolve).
        const modulePath = ['', 'sdk', 'device-state-store.js'].join('/');
        const { default: DeviceStateStore } = (await import(modulePath)) as { default: new (instance: string) => { connect(): Promise<void>; setDeviceId(value: string): Promise<void> } };
        const store = new DeviceStateStore(instanceId);
        await store.connect();
        await store.setDeviceId(id);
      },
      { instanceId: APP.id, id: deviceId },
    );
    const { publishId } = await setup.beams.publishToUsers(['user-browser'], { web: { notification: { title: 'From Switchboard', body: 'over Web Push' }, data: { n: 1 } } });
    await setup.service.until(() => setup.service.delivered(subscription.id).length === 1);
    const text = setup.service.delivered(subscription.id)[0]?.text ?? '';

    const registrationId = registrations.get(`${pages.origin}/`);
    assert.ok(registrationId !== undefined, 'the worker registration is known to DevTools');
    await cdp.send('ServiceWorker.deliverPushMessage', { origin: pages.origin, registrationId, data: text });
    await page.waitForFunction(async () => {
      const globals = globalThis as unknown as { navigator: { serviceWorker: { ready: Promise<{ getNotifications(): Promise<{ title: string; body: string }[]> }> } } };
      const registration = await globals.navigator.serviceWorker.ready;
      return (await registration.getNotifications()).some((notification) => notification.title === 'From Switchboard' && notification.body === 'over Web Push');
    });
    await eventually(async () => {
      const response = await fetch(`${setup.server.httpUrl}/publish_api/v1/instances/${APP.id}/publishes/${publishId}`, { headers: { authorization: `Bearer ${APP.secret}` } });
      return ((await response.json()) as { acknowledged: number }).acknowledged === 1;
    }, 'the service worker reported the delivery');
    // Its report sends Beams' acknowledgement webhook, signed as Beams signs it (docs/push.md).
    const isAck = (request: ReceivedWebhook) => request.headers['webhook-event-type'] === 'v1.UserNotificationAcknowledgement';
    await receiver.until(() => receiver.requests.some(isAck));
    const ack = receiver.requests.find(isAck);
    assert.ok(ack !== undefined);
    assert.equal(ack.headers['webhook-signature'], createHmac('sha1', APP.secret).update(ack.rawBody).digest('hex'));
    assert.deepEqual((JSON.parse(ack.rawBody) as { payload: unknown }).payload, { instance_id: APP.id, publish_id: publishId, user_id: 'user-browser' });
    assert.deepEqual(errors, []);
    await page.close();
  });
});
