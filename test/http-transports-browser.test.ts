/**
 * End to end in real headless Chromium (Debian `chromium`, driven by playwright-core): a page on
 * another origin (the only one the app allows) loads the pusher-js web build with WebSockets
 * unavailable to it, falls back to the HTTP transports on its own (CORS preflights included), and
 * receives an event triggered through the HTTP API with the `pusher` SDK.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM, HEADLESS_ARGS } from './helpers/chromium.js';
import { REPO_ROOT } from './helpers/cli.js';
import { sdkFor } from './helpers/pusher.js';
import { APP, startServer, type TestServer } from './helpers/server.js';


/** What the page script leaves on its global object (read inside page.evaluate). */
interface PageGlobals {
  readonly WebSocket?: unknown;
  readonly subscribed?: boolean;
  readonly received: unknown[];
  readonly pusher: { connection: { connection: { transport: { name: string } } } };
}

/** The page: WebSocket is removed before pusher-js loads, as for a client behind a proxy that blocks it. */
function pageHtml(server: TestServer, channel: string, options: Record<string, unknown>): string {
  const config = {
    cluster: 'mt1',
    wsHost: server.host,
    wsPort: server.port,
    httpHost: server.host,
    httpPort: server.port,
    httpPath: '/pusher',
    forceTLS: false,
    ...options,
  };
  return `<!doctype html>
<meta charset="utf-8">
<script>delete window.WebSocket; delete window.MozWebSocket;</script>
<script src="/pusher.js"></script>
<script>
  window.received = [];
  const pusher = new Pusher(${JSON.stringify(APP.key)}, ${JSON.stringify(config)});
  window.pusher = pusher;
  const channel = pusher.subscribe(${JSON.stringify(channel)});
  channel.bind('pusher:subscription_succeeded', () => { window.subscribed = true; });
  channel.bind('greeting', (data) => window.received.push(data));
</script>`;
}

/**
 * Serves the pages and the pusher-js web build from an origin other than Switchboard's; pages are
 * added once Switchboard's port is known.
 */
async function startPageServer(pages: Record<string, string>): Promise<{ server: Server; origin: string }> {
  const pusherJs = await readFile(join(REPO_ROOT, 'node_modules/pusher-js/dist/web/pusher.js'));
  const server = createServer((request, response) => {
    const path = request.url ?? '/';
    if (path === '/pusher.js') {
      response.writeHead(200, { 'content-type': 'application/javascript' }).end(pusherJs);
      return;
    }
    const page = pages[path];
    if (page === undefined) response.writeHead(404).end();
    else response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('pusher-js in Chromium without WebSockets', () => {
  let server: TestServer;
  let pages: { server: Server; origin: string };
  let context: BrowserContext;
  let userDataDir: string;

  before(async () => {
    const html: Record<string, string> = {};
    pages = await startPageServer(html);
    // The app allows only the page's origin: the browser's own Origin header is checked.
    server = await startServer({ apps: [{ ...APP, allowedOrigins: [pages.origin] }] });
    html['/fallback'] = pageHtml(server, 'browser-news', {});
    html['/polling'] = pageHtml(server, 'browser-polls', { disabledTransports: ['xhr_streaming'] });
    userDataDir = await mkdtemp(join(tmpdir(), 'switchboard-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        ...HEADLESS_ARGS,
      ],
    });
  });

  after(async () => {
    await context.close();
    await rm(userDataDir, { recursive: true, force: true });
    await new Promise<void>((resolve) => pages.server.close(() => resolve()));
    await server.close();
  });

  async function openPage(path: string): Promise<Page> {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${pages.origin}${path}`);
    assert.equal(await page.evaluate(() => typeof (globalThis as unknown as PageGlobals).WebSocket), 'undefined', 'the page has no WebSocket');
    await page.waitForFunction(() => (globalThis as unknown as PageGlobals).subscribed === true);
    assert.deepEqual(errors, []);
    return page;
  }

  async function transportName(page: Page): Promise<string> {
    return page.evaluate(() => (globalThis as unknown as PageGlobals).pusher.connection.connection.transport.name);
  }

  for (const [path, channel, transport] of [
    ['/fallback', 'browser-news', 'xhr_streaming'],
    ['/polling', 'browser-polls', 'xhr_polling'],
  ] as const) {
    it(`connects over ${transport} and receives an event triggered through the HTTP API`, async () => {
      const page = await openPage(path);
      try {
        assert.equal(await transportName(page), transport);
        await sdkFor(server, APP).trigger(channel, 'greeting', { hello: 'from the API' });
        await page.waitForFunction(() => (globalThis as unknown as PageGlobals).received.length === 1);
        assert.deepEqual(await page.evaluate(() => (globalThis as unknown as PageGlobals).received), [{ hello: 'from the API' }]);
      } finally {
        await page.close();
      }
    });
  }
});
