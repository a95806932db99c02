/**
 * Two Chromium pages chatting through the example app (examples/chat/): each page loads the
 * pusher-js web build and the chat client SDK, gets a token from the example backend and
 * subscribes to the room; one types and sends, the other sees the typing indicator and the
 * message, and replies. The page's origin differs from Switchboard's (CORS with a bearer token).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { CHAT_APP, chatServer } from './helpers/chat.js';
import type { TestServer } from './helpers/server.js';

const CHROMIUM = '/usr/bin/chromium';

interface ExampleModule {
  readonly startExample: (options: { switchboardUrl: string; appId: string; key: string; secret: string; port: number }) => Promise<{ url: string; close(): Promise<void> }>;
}

interface ChatState {
  readonly ready: boolean;
  readonly messages: { id: number; sender: string; content: string }[];
  readonly typing: string[];
  readonly online: string[];
}

const stateOf = (page: Page): Promise<ChatState> => page.evaluate(() => (globalThis as unknown as { chatState: ChatState }).chatState);

describe('chat in Chromium: two pages of the example app', () => {
  let directory: string;
  let server: TestServer;
  let example: { url: string; close(): Promise<void> };
  let context: BrowserContext;

  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'sb-chat-browser-'));
    server = await chatServer({ url: `sqlite:${join(directory, 'chat.db')}` });
    // Plain JavaScript, outside the TypeScript build: loaded from the repository as users run it.
    const exampleUrl = new URL('../../examples/chat/server.js', import.meta.url).href;
    const { startExample } = (await import(exampleUrl)) as ExampleModule;
    example = await startExample({ switchboardUrl: server.httpUrl, appId: CHAT_APP.id, key: CHAT_APP.key, secret: CHAT_APP.secret, port: 0 });
    context = await chromium.launchPersistentContext(join(directory, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  });

  after(async () => {
    await context.close();
    await example.close();
    await server.close();
    await rm(directory, { recursive: true, force: true });
  });

  async function open(user: string, errors: string[]): Promise<Page> {
    const page = await context.newPage();
    page.on('pageerror', (error) => errors.push(`${user}: ${error.message}`));
    await page.goto(`${example.url}/?user=${user}`);
    await page.waitForFunction(() => (globalThis as unknown as { chatState?: ChatState }).chatState?.ready === true);
    return page;
  }

  it('alice and bob chat: presence, typing, messages both ways, in order', async () => {
    const errors: string[] = [];
    const alice = await open('alice', errors);
    const bob = await open('bob', errors);
    await alice.waitForFunction(() => (globalThis as unknown as { chatState: ChatState }).chatState.online.length === 2);

    await alice.locator('#text').pressSequentially('hello bob');
    await bob.waitForFunction(() => (globalThis as unknown as { chatState: ChatState }).chatState.typing.includes('alice'));
    await alice.locator('#send').click();
    await bob.locator('#messages li', { hasText: 'hello bob' }).waitFor();

    await bob.locator('#text').fill('hi alice');
    await bob.locator('#text').press('Enter');
    await alice.locator('#messages li', { hasText: 'hi alice' }).waitFor();

    for (const page of [alice, bob]) {
      await page.waitForFunction(() => (globalThis as unknown as { chatState: ChatState }).chatState.messages.length === 2);
      const { messages } = await stateOf(page);
      assert.deepEqual(messages, [
        { id: 1, sender: 'alice', content: 'hello bob' },
        { id: 2, sender: 'bob', content: 'hi alice' },
      ]);
    }
    assert.deepEqual((await stateOf(bob)).online, ['alice', 'bob']);
    assert.deepEqual(errors, []);
  });
});
