/**
 * The shared document example in Chromium: people opening one room see the same text, whoever
 * joins late, reloads, or opens it after everyone left; edits on the same line at the same time
 * converge; a large paste crosses in chunks; the others' cursors are drawn with their names, and a
 * leaver's cursor goes away when the presence channel says they left.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { silentLogger } from '../src/shared/logger.js';
import { startExample, type RunningExample } from '../examples/run.js';
import { launchChromium, type Chromium } from './helpers/chromium.js';
import { recordScreenshot } from './helpers/example-record.js';

/** Well under y-protocols awareness's 30 s timeout: the cursor goes on member_removed. */
const CURSOR_GONE_WITHIN_MS = 5_000;

/** The part of the page's globals the waits read (evaluated in the page). */
interface PageGlobals {
  readonly document: { getElementById(id: string): { readonly value: string } | null };
}

async function openAs(page: Page, name: string): Promise<void> {
  await page.locator('#name').fill(name);
  await page.locator('#join-button').click();
  await page.locator('#status[data-joined="true"]').waitFor();
}

async function textOf(page: Page): Promise<string> {
  return page.locator('#text').inputValue();
}

/** Waits until every page shows `expected` (the pages converge on it through the room). */
async function allShow(pages: readonly Page[], expected: string): Promise<void> {
  await Promise.all(pages.map((page) => page.waitForFunction((text) => (globalThis as unknown as PageGlobals).document.getElementById('text')?.value === text, expected)));
}

function isSubsequence(part: string, whole: string): boolean {
  let index = 0;
  for (const character of whole) if (character === part[index]) index += 1;
  return index === part.length;
}

describe('docs example: a shared document in Chromium', () => {
  let example: RunningExample;
  let chromium: Chromium;
  let url: string;

  before(async () => {
    example = await startExample('docs', { port: 0, pagePort: 0, logger: silentLogger, room: 'notes' });
    chromium = await launchChromium();
    url = example.urls[0]?.url ?? '';
  });

  after(async () => {
    await chromium.close();
    await example.close();
  });

  it('gives a late joiner, a reload and a joiner after everyone left the whole text; same-line edits converge', async () => {
    const ana = await chromium.open(url);
    await openAs(ana.page, 'Ana');
    await ana.page.keyboard.type('Shopping list: ');
    const ben = await chromium.open(url);
    await openAs(ben.page, 'Ben');
    // From the backend, or from Ana's answer to his sync step 1 if her last keys were not saved yet.
    await allShow([ben.page], 'Shopping list: ');

    // Both at the end of the same line, typing at the same time.
    await ben.page.keyboard.press('End');
    await ana.page.locator('#saved', { hasText: 'Saved' }).waitFor();
    await Promise.all([ana.page.keyboard.type('apples', { delay: 15 }), ben.page.keyboard.type('bread', { delay: 15 })]);
    await ana.page.waitForFunction((length) => (globalThis as unknown as PageGlobals).document.getElementById('text')?.value.length === length, 'Shopping list: '.length + 11);
    const merged = await textOf(ana.page);
    await allShow([ben.page], merged);
    assert.ok(merged.startsWith('Shopping list: ') && isSubsequence('apples', merged) && isSubsequence('bread', merged), merged);

    await ben.page.reload();
    await openAs(ben.page, 'Ben');
    await allShow([ben.page], merged);

    await Promise.all([ana.page.locator('#saved', { hasText: 'Saved' }).waitFor(), ben.page.locator('#saved', { hasText: 'Saved' }).waitFor()]);
    await ana.close();
    await ben.close();
    const chloe = await chromium.open(url);
    await openAs(chloe.page, 'Chloé');
    assert.equal(await textOf(chloe.page), merged, 'the document outlived everyone leaving');
    assert.deepEqual([...ana.errors, ...ben.errors, ...chloe.errors], []);
    await chloe.close();
  });

  it('carries a paste larger than a client event in chunks', async () => {
    const ana = await chromium.open(url.replace('room=notes', 'room=paste'));
    await openAs(ana.page, 'Ana');
    const ben = await chromium.open(url.replace('room=notes', 'room=paste'));
    const chunkCounts: number[] = [];
    ben.page.on('websocket', (socket) =>
      socket.on('framereceived', (frame) => {
        const count = /"count\\?":(\d+)/.exec(String(frame.payload))?.[1];
        if (count !== undefined) chunkCounts.push(Number(count));
      }),
    );
    await openAs(ben.page, 'Ben');
    const paragraph = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit. ';
    const pasted = paragraph.repeat(Math.ceil(30_000 / paragraph.length));
    await ana.page.keyboard.insertText(pasted);
    await allShow([ben.page], pasted);
    assert.ok(Math.max(...chunkCounts) >= 4, `a 30 KB update crossed in ${Math.max(...chunkCounts)} chunks`);
    await ana.close();
    await ben.close();
  });

  it("draws the others' cursors with their names, and removes a leaver's on member_removed", async () => {
    const roomUrl = url.replace('room=notes', 'room=cursors');
    const ana = await chromium.open(roomUrl);
    await openAs(ana.page, 'Ana');
    await ana.page.keyboard.type('First line\nSecond line, where Ben is');
    const ben = await chromium.open(roomUrl);
    await openAs(ben.page, 'Ben');
    await ben.page.keyboard.press('Control+End');
    await ana.page.keyboard.press('Control+Home');
    await ana.page.locator('.cursor[data-name="Ben"]').waitFor();
    await ben.page.locator('.cursor[data-name="Ana"]').waitFor();
    // Ben's cursor is drawn on the second line, below Ana's on the first.
    const benBox = await ana.page.locator('.cursor[data-name="Ben"]').boundingBox();
    const textBox = await ana.page.locator('#text').boundingBox();
    assert.ok(benBox !== null && textBox !== null && benBox.y > textBox.y + 22, 'on the second line');
    await recordScreenshot(ana.page, 'docs');

    // Ben's tab crashes: no pagehide, no awareness removal from Ben; only the presence channel
    // (his connection closing) says he left.
    const session = await ben.page.context().newCDPSession(ben.page);
    const left = performance.now();
    void session.send('Page.crash').catch(() => undefined);
    await ana.page.locator('.cursor[data-name="Ben"]').waitFor({ state: 'detached' });
    const gone = performance.now() - left;
    assert.ok(gone < CURSOR_GONE_WITHIN_MS, `Ben's cursor went after ${gone.toFixed(0)} ms`);
    assert.deepEqual(await ana.page.locator('#members li').allTextContents(), ['Ana (you)']);
    await ana.close();
    await ben.close();
  });
});
