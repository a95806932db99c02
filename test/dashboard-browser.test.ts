/**
 * The dashboard in real headless Chromium (Debian `chromium`, driven by playwright-core), against
 * two Switchboard nodes sharing Redis: sign-in (a wrong token refused), a pusher-js client and an
 * SDK trigger showing up in the debug console, the event creator reaching a client, an event on
 * the second node showing up in the console on the first; the layout at 1280x800 and at a phone's
 * width, keyboard reach, and no layout shift while the stream runs.
 *
 * With SWITCHBOARD_SCREENSHOTS=<dir> (`npm run screenshots`), the overview and the console are
 * saved there as PNG for docs/dashboard.md; otherwise into a temporary directory.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { REPO_ROOT } from './helpers/cli.js';
import { clientFor, connected, disconnect, nextEvent, sdkFor, subscribed, type PusherClient } from './helpers/pusher.js';
import { deleteRedisKeys, REDIS_URL, uniqueRedisPrefix } from './helpers/redis.js';
import { APP, startServer, type TestServer } from './helpers/server.js';
import { eventually } from './helpers/wait.js';
import { WebhookReceiver } from './helpers/webhook-receiver.js';

const CHROMIUM = '/usr/bin/chromium';
const TOKEN = 'browser-test-admin-token-0123';
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

/** Sums the page's layout shifts (not caused by input) into window.layoutShift. Page code, as text: the tests have no DOM types. */
const LAYOUT_SHIFT_OBSERVER = `
  window.layoutShift = 0;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) if (!entry.hadRecentInput) window.layoutShift += entry.value;
  }).observe({ type: 'layout-shift' });
`;
const FITS_WIDTH = 'document.documentElement.scrollWidth <= document.documentElement.clientWidth';
const FOCUSED = `(() => {
  const element = document.activeElement;
  return element === null ? '' : element.tagName.toLowerCase() + ':' + (element.getAttribute('name') ?? element.textContent?.trim() ?? '');
})()`;

describe('dashboard in Chromium, two nodes on Redis', () => {
  const prefix = uniqueRedisPrefix();
  let first: TestServer;
  let second: TestServer;
  let webhooks: WebhookReceiver;
  let context: BrowserContext;
  let userDataDir: string;
  let screenshots: string;
  let base: string;
  let page: Page;
  const clients: PusherClient[] = [];

  before(async () => {
    webhooks = await WebhookReceiver.start();
    const shared = {
      redis: { url: REDIS_URL, keyPrefix: prefix },
      apps: [{ ...APP, name: 'Storefront', clientEvents: true, webhooks: [{ url: webhooks.url() }] }],
      webhooks: { batchWindowMs: 50 },
    };
    first = await startServer({ ...shared, admin: { port: 0, token: TOKEN } });
    second = await startServer({ ...shared, admin: { port: 0, token: TOKEN } });
    base = `http://127.0.0.1:${first.server.adminAddress?.port ?? 0}`;
    const wanted = process.env['SWITCHBOARD_SCREENSHOTS'];
    screenshots = wanted === undefined ? await mkdtemp(join(tmpdir(), 'switchboard-shots-')) : resolve(REPO_ROOT, wanted);
    await mkdir(screenshots, { recursive: true });
    userDataDir = await mkdtemp(join(tmpdir(), 'switchboard-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: DESKTOP,
      colorScheme: 'light',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    after(() => assert.deepEqual(errors, [], 'no script error on the page'));
  });

  after(async () => {
    await Promise.all(clients.map(disconnect));
    await context.close();
    await rm(userDataDir, { recursive: true, force: true });
    if (process.env['SWITCHBOARD_SCREENSHOTS'] === undefined) await rm(screenshots, { recursive: true, force: true });
    await Promise.all([first.close(), second.close()]);
    await webhooks.close();
    await deleteRedisKeys(prefix);
  });

  it('refuses a wrong token', async () => {
    await page.goto(`${base}/`);
    await page.getByLabel('Admin token').fill('not-the-admin-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#sign-in-error', { hasText: 'Wrong admin token' }).waitFor();
    assert.equal(await page.getByRole('navigation', { name: 'Views' }).count(), 0, 'nothing past the sign-in');
  });

  it('signs in with the admin token and shows the overview', async () => {
    await page.getByLabel('Admin token').fill(TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    await page.locator(`tr[data-app="${APP.id}"]`).waitFor();
    const cookies = await context.cookies(base);
    const session = cookies.find((cookie) => cookie.name === 'switchboard_session');
    assert.equal(session?.httpOnly, true);
    assert.equal(session.sameSite, 'Strict');
  });

  it('shows a pusher-js client connecting and an SDK trigger in the console', async () => {
    await page.goto(`${base}/#/console/${APP.id}`);
    await page.locator('.console-bar .state', { hasText: 'live' }).waitFor();
    await page.evaluate(LAYOUT_SHIFT_OBSERVER);
    const client = clientFor(first, APP);
    clients.push(client);
    const socketId = await connected(client);
    await page.locator('li[data-kind="connection-opened"]', { hasText: socketId }).waitFor();
    await subscribed(client, 'private-orders');
    await page.locator('li[data-kind="subscribed"]', { hasText: 'private-orders' }).waitFor();
    await sdkFor(first, APP).trigger('private-orders', 'order-shipped', { order: 1042 });
    await page.locator('li[data-kind="api-message"]', { hasText: 'order-shipped' }).waitFor();
    await page.locator('li[data-kind="webhook"]').first().waitFor();
  });

  it('sends an event from the event creator to a client', async () => {
    const client = clientFor(first, APP);
    clients.push(client);
    const channel = await subscribed(client, 'creator-test');
    const received = nextEvent<{ from: string }>(channel, 'hello-from-dashboard');
    await page.getByLabel('Channel', { exact: true }).fill('creator-test');
    await page.getByLabel('Event', { exact: true }).fill('hello-from-dashboard');
    await page.getByLabel('Data (JSON)').fill('{"from": "the event creator"}');
    await page.getByRole('button', { name: 'Send event' }).click();
    assert.deepEqual((await received).data, { from: 'the event creator' });
    await page.locator('li[data-kind="api-message"]', { hasText: 'hello-from-dashboard' }).waitFor();
    await page.getByText('Sent hello-from-dashboard to creator-test.').waitFor();
  });

  it('shows an event on the second node in the console on the first', async () => {
    // The first node announces its console on the bus; the second forwards from then on.
    await eventually(() => second.server.engine.tap.watches(APP.id), 'the second node hears of the console');
    const client = clientFor(second, APP);
    clients.push(client);
    const socketId = await connected(client);
    await subscribed(client, 'second-node-channel');
    await sdkFor(second, APP).trigger('second-node-channel', 'from-second-node', { n: 2 });
    const row = page.locator('li[data-kind="api-message"]', { hasText: 'from-second-node' });
    await row.waitFor();
    assert.equal(await row.locator('.node').getAttribute('title'), second.server.nodeId);
    await page.locator('li[data-kind="connection-opened"]', { hasText: socketId }).waitFor();
  });

  it('keeps the layout still while the stream runs, and fits 1280x800 without scrolling sideways', async () => {
    const sdk = sdkFor(first, APP);
    for (let i = 0; i < 40; i += 1) await sdk.trigger('busy-channel', 'tick', { i });
    await page.locator('li[data-kind="api-message"]', { hasText: '{"i":39}' }).waitFor();
    const shift = await page.evaluate<number>('window.layoutShift');
    assert.ok(shift < 0.01, `cumulative layout shift ${shift}`);
    assert.equal(await page.evaluate<boolean>(FITS_WIDTH), true);
    await page.screenshot({ path: join(screenshots, 'dashboard-console.png') });
  });

  it('reaches every control of the console from the keyboard', async () => {
    await page.locator('body').focus();
    const reached = new Set<string>();
    for (let i = 0; i < 40; i += 1) {
      await page.keyboard.press('Tab');
      reached.add(await page.evaluate<string>(FOCUSED));
    }
    for (const control of ['a:Overview', 'a:Debug console', 'input:channel', 'input:socket', 'button:Apply filters', 'button:Pause', 'textarea:data', 'button:Send event']) {
      assert.ok(reached.has(control), `${control} is reachable with Tab (reached: ${[...reached].join(', ')})`);
    }
  });

  it('shows the overview with both nodes, and fits a phone\'s width', async () => {
    await page.goto(`${base}/#/overview`);
    await page.locator('td', { hasText: second.server.nodeId }).waitFor({ timeout: 15_000 });
    await page.locator('td', { hasText: webhooks.url() }).waitFor();
    await page.screenshot({ path: join(screenshots, 'dashboard-overview.png') });
    await page.setViewportSize(PHONE);
    for (const view of ['overview', `console/${APP.id}`, `channels/${APP.id}`, 'apps']) {
      await page.goto(`${base}/#/${view}`);
      await page.locator('main h2').first().waitFor();
      const fits = await page.evaluate<boolean>(FITS_WIDTH);
      assert.equal(fits, true, `#/${view} fits ${PHONE.width} px`);
    }
    await page.goto(`${base}/#/console/${APP.id}`);
    await page.locator('.console-bar .state', { hasText: 'live' }).waitFor();
    await page.screenshot({ path: join(screenshots, 'dashboard-console-phone.png') });
    await page.setViewportSize(DESKTOP);
  });
});
