/**
 * The soundboard example in Chromium: three people join one room with their names, see each other
 * in the presence list, hear and see every pad pressed on the others' pages, and see a closed tab
 * leave within two seconds. Reports press-to-sound latency across pages (the press on one page to
 * the tone starting on another).
 *
 * A latency test (*.latency-test.js): `npm test` runs it alone, after the rest of the suite.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { silentLogger } from '../src/shared/logger.js';
import { startExample, type RunningExample } from '../examples/run.js';
import { launchChromium, outrankChromium, type Chromium, type OpenedPage } from './helpers/chromium.js';
import { latencyFigures, recordFigures, recordScreenshot } from './helpers/example-record.js';

const PRESSES = 150;
const LEAVE_BUDGET_MS = 2_000;

interface SoundboardGlobals {
  readonly soundLatencies: readonly number[];
}

async function join(chromium: Chromium, url: string, name: string): Promise<OpenedPage> {
  const opened = await chromium.open(url);
  await opened.page.locator('#name').fill(name);
  await opened.page.locator('#join-button').click();
  await opened.page.locator('#status[data-joined="true"]').waitFor();
  return opened;
}

async function memberNames(page: Page): Promise<string[]> {
  return page.locator('#members li').allTextContents();
}

async function press(page: Page, pad: number): Promise<void> {
  const box = await page.locator(`.pad[data-pad="${pad}"]`).boundingBox();
  assert.ok(box !== null);
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.up();
}

async function heard(page: Page): Promise<number[]> {
  return page.evaluate(() => [...(globalThis as unknown as SoundboardGlobals).soundLatencies]);
}

describe('soundboard example in Chromium', () => {
  let example: RunningExample;
  let chromium: Chromium;
  let people: { ana: OpenedPage; ben: OpenedPage; chloe: OpenedPage };

  before(async () => {
    example = await startExample('soundboard', { port: 0, pagePort: 0, logger: silentLogger, room: 'band' });
    outrankChromium();
    chromium = await launchChromium();
    const url = example.urls[0]?.url ?? '';
    people = { ana: await join(chromium, url, 'Ana'), ben: await join(chromium, url, 'Ben'), chloe: await join(chromium, url, 'Chloé') };
  });

  after(async () => {
    await chromium.close();
    await example.close();
  });

  it('shows everyone in the room by name, on every page', async () => {
    for (const [page, me] of [
      [people.ana.page, 'Ana'],
      [people.ben.page, 'Ben'],
      [people.chloe.page, 'Chloé'],
    ] as const) {
      await page.locator('#members li').nth(2).waitFor();
      const names = await memberNames(page);
      assert.deepEqual([...names].sort(), ['Ana', 'Ben', 'Chloé'].map((name) => (name === me ? `${name} (you)` : name)).sort());
    }
  });

  it('lights a pressed pad with the presser\'s name and plays it on every other page', async () => {
    await press(people.ana.page, 5);
    for (const other of [people.ben.page, people.chloe.page]) {
      await other.locator('.pad.lit[data-pad="5"]', { hasText: 'Ana' }).waitFor();
      assert.equal((await heard(other)).length, 1, 'one tone played');
      assert.match((await other.locator('#figures').textContent()) ?? '', /^Ana pressed pad 6: \d+ ms/);
    }
    assert.equal(await people.ana.page.locator('.pad.lit[data-pad="5"] small').textContent(), 'you');
    await recordScreenshot(people.ben.page, 'soundboard');
  });

  it(`plays ${PRESSES} presses from three pages on the two others, and reports press-to-sound latency`, async () => {
    const pages = [people.ana.page, people.ben.page, people.chloe.page];
    const before = await Promise.all(pages.map(heard));
    for (let i = 0; i < PRESSES; i += 1) await press(pages[i % 3] ?? people.ana.page, i % 16);
    // Each page hears the presses of the two others: 100 of the 150.
    const expected = before.map((list) => list.length + (PRESSES * 2) / 3);
    await Promise.all(pages.map((page, i) => page.waitForFunction((count) => (globalThis as unknown as SoundboardGlobals).soundLatencies.length >= count, expected[i] ?? 0)));
    const latencies = (await Promise.all(pages.map(heard))).flatMap((list, i) => list.slice(before[i]?.length ?? 0));
    assert.equal(latencies.length, PRESSES * 2, 'every press heard on both other pages, once');
    const figures = latencyFigures(latencies);
    console.log(`soundboard press-to-sound: ${JSON.stringify(figures)}`);
    await recordFigures('soundboard-press-to-sound', figures);
    assert.deepEqual([...people.ana.errors, ...people.ben.errors, ...people.chloe.errors], []);
  });

  it(`drops a closed tab from the others' lists within ${LEAVE_BUDGET_MS / 1000} seconds`, async () => {
    const closed = performance.now();
    await people.chloe.close();
    await Promise.all([people.ana.page, people.ben.page].map((page) => page.locator('#members li', { hasText: 'Chloé' }).waitFor({ state: 'detached' })));
    const leftAfter = performance.now() - closed;
    console.log(`soundboard: a closed tab left the list after ${leftAfter.toFixed(0)} ms`);
    assert.deepEqual([...(await memberNames(people.ana.page))].sort(), ['Ana (you)', 'Ben']);
    assert.ok(leftAfter < LEAVE_BUDGET_MS, `left after ${leftAfter.toFixed(0)} ms`);
    await recordFigures('soundboard-leave', { samples: 1, p50: Math.round(leftAfter), p99: Math.round(leftAfter), max: Math.round(leftAfter) });
  });
});
