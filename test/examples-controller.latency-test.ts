/**
 * The controller example in Chromium: a phone page drags its touch pad and a display page moves
 * its sprite, through Switchboard. Measures input-to-render latency over 500 inputs sent at 60 or
 * more per second, with the display on WebSocket and then on xhr_streaming; fails above 200 ms
 * p99 or on a single rate-limit rejection.
 *
 * A latency test (*.latency-test.js): `npm test` runs these alone, one at a time, after the rest
 * of the suite, so the figures are not those of a machine busy with other tests.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { silentLogger } from '../src/shared/logger.js';
import { startExample, type RunningExample } from '../examples/run.js';
import { launchChromium, outrankChromium, type Chromium } from './helpers/chromium.js';
import { latencyFigures, recordFigures, recordScreenshot } from './helpers/example-record.js';

const INPUTS = 500;
/** The test's input schedule: 66.7 moves per second, above the 60 inputs per second the phone must send. */
const INPUT_INTERVAL_MS = 15;
const P99_BUDGET_MS = 200;
/** A bound on the moves made to get 500 inputs sent (a phone coalescing nearly all of them fails). */
const MAX_MOVES = 1_500;
/** How steadily both pages must draw before the inputs start (see drawingSteadily). */
const STEADY_FRAMES = 30;
const STEADY_FRAME_MS = 40;

/** The page's own requestAnimationFrame (the tests compile without the DOM's types). */
interface AnimationFrames {
  readonly requestAnimationFrame: (callback: (now: number) => void) => number;
}

interface DisplayGlobals {
  readonly inputLatencies: readonly number[];
}

function urlOf(example: RunningExample, role: string): string {
  const entry = example.urls.find((candidate) => candidate.role === role);
  if (entry === undefined) throw new Error(`no ${role} page`);
  return entry.url;
}

async function joined(page: Page): Promise<void> {
  await page.locator('#status[data-joined="true"]').waitFor();
}

/**
 * Resolves once the page draws steadily: STEADY_FRAMES animation frames in a row, each at most
 * STEADY_FRAME_MS after the last. Pages that have just loaded (and the previous test's, closing)
 * keep both cores of a small machine busy for a second or so; inputs measured then would time
 * Chromium's start-up, not an input's route through Switchboard to the display.
 */
async function drawingSteadily(page: Page): Promise<void> {
  await page.evaluate(
    ({ frames, gap }) =>
      new Promise<void>((resolve) => {
        const { requestAnimationFrame } = globalThis as unknown as AnimationFrames;
        let last = performance.now();
        let steady = 0;
        const tick = (now: number): void => {
          steady = now - last <= gap ? steady + 1 : 0;
          last = now;
          if (steady >= frames) resolve();
          else requestAnimationFrame(tick);
        };
        requestAnimationFrame(tick);
      }),
    { frames: STEADY_FRAMES, gap: STEADY_FRAME_MS },
  );
}

/** Where the sprite is drawn, from the arena's top left corner, in the display's pixels. */
async function spritePosition(display: Page): Promise<{ x: number; y: number }> {
  const [arena, sprite] = await Promise.all([display.locator('#arena').boundingBox(), display.locator('#sprite').boundingBox()]);
  assert.ok(arena !== null && sprite !== null);
  return { x: sprite.x - arena.x, y: sprite.y - arena.y };
}

describe('controller example: phone to display in Chromium', () => {
  let example: RunningExample;
  let chromium: Chromium;

  before(async () => {
    example = await startExample('controller', { port: 0, pagePort: 0, logger: silentLogger, room: 'test' });
    outrankChromium();
    chromium = await launchChromium();
  });

  after(async () => {
    await chromium.close();
    await example.close();
  });

  for (const transport of ['ws', 'xhr_streaming'] as const) {
    it(`draws 500 inputs sent at 60+ per second with the display on ${transport}, p99 under ${P99_BUDGET_MS} ms`, async () => {
      const room = `latency-${transport}`;
      const displayUrl = `${urlOf(example, 'display').replace('room=test', `room=${room}`)}&transport=${transport}`;
      const transportRequests: string[] = [];
      const display = await chromium.open(displayUrl, (page) => page.on('request', (request) => transportRequests.push(new URL(request.url()).pathname)));
      const phone = await chromium.open(urlOf(example, 'phone').replace('room=test', `room=${room}`));
      try {
        await Promise.all([joined(display.page), joined(phone.page)]);
        await Promise.all([drawingSteadily(display.page), drawingSteadily(phone.page)]);
        if (transport === 'xhr_streaming') assert.ok(transportRequests.some((path) => path.endsWith('/xhr_streaming')), 'the display streams over xhr_streaming');

        const pad = await phone.page.locator('#pad').boundingBox();
        assert.ok(pad !== null);
        const centre = { x: pad.x + pad.width / 2, y: pad.y + pad.height / 2 };
        const radius = pad.width * 0.4;
        await phone.page.mouse.move(centre.x + radius, centre.y);
        await phone.page.mouse.down();
        // The moves are dispatched on their schedule, not each after the last one's round trip (a
        // finger does not wait for the page either), until the phone has sent 500 inputs (it
        // coalesces moves past its send budget, which a loaded machine's bursts could reach).
        const sentSoFar = async (): Promise<number> => Number(await phone.page.locator('#sent').textContent());
        const started = performance.now();
        const moves: Promise<void>[] = [];
        let last = { x: 0, y: 0 };
        for (let i = 1; i <= MAX_MOVES && (i % 50 !== 0 || (await sentSoFar()) < INPUTS); i += 1) {
          const angle = (i / 60) * Math.PI;
          last = { x: centre.x + radius * Math.cos(angle), y: centre.y + radius * Math.sin(angle) };
          moves.push(phone.page.mouse.move(last.x, last.y));
          const wait = started + i * INPUT_INTERVAL_MS - performance.now();
          if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        }
        await Promise.all(moves);
        await phone.page.mouse.up();
        const seconds = (performance.now() - started) / 1000;

        // Until the display has drawn all the phone sent (a last coalesced move may still go out).
        let sent = await sentSoFar();
        for (let settled = false; !settled; ) {
          await display.page.waitForFunction((count) => (globalThis as unknown as DisplayGlobals).inputLatencies.length >= count, sent);
          const now = await sentSoFar();
          settled = now === sent;
          sent = now;
        }
        const latencies = await display.page.evaluate(() => [...(globalThis as unknown as DisplayGlobals).inputLatencies]);
        const perSecond = (count: number): number => Math.round((count / seconds) * 10) / 10;
        const figures = { ...latencyFigures(latencies), movesPerSecond: perSecond(moves.length), sentPerSecond: perSecond(sent) };
        console.log(`controller, display on ${transport}: ${JSON.stringify(figures)}`);

        assert.equal(await phone.page.locator('#rejected').textContent(), '0', 'no input refused by the rate limit');
        assert.ok(sent >= INPUTS, `the phone sent ${sent} inputs in ${moves.length} moves`);
        assert.ok(figures.movesPerSecond >= 60, `the finger moved ${figures.movesPerSecond} times per second`);
        assert.ok(figures.sentPerSecond >= 60, `the phone sent ${figures.sentPerSecond} inputs per second`);
        assert.equal(latencies.length, sent, 'every input sent was drawn');
        // The sprite ends where the finger is: the last position, scaled from the pad to the arena.
        const arena = await display.page.locator('#arena').boundingBox();
        assert.ok(arena !== null);
        const expected = { x: ((last.x - pad.x) / pad.width) * (arena.width - 40), y: ((last.y - pad.y) / pad.height) * (arena.height - 40) };
        const drawn = await spritePosition(display.page);
        assert.ok(Math.abs(drawn.x - expected.x) < 2 && Math.abs(drawn.y - expected.y) < 2, `sprite at ${JSON.stringify(drawn)}, finger at ${JSON.stringify(expected)}`);
        assert.match((await display.page.locator('#figures').textContent()) ?? '', new RegExp(`Inputs drawn: ${sent} `));
        assert.deepEqual([...display.errors, ...phone.errors], []);

        if (transport === 'ws') {
          await recordScreenshot(display.page, 'controller');
          await recordScreenshot(phone.page, 'controller', 'phone.png');
        }
        assert.ok(figures.p99 < P99_BUDGET_MS, `input-to-render p99 ${figures.p99} ms over ${latencies.length} inputs (budget ${P99_BUDGET_MS} ms)`);
        await recordFigures(`controller-${transport}`, figures);
      } finally {
        await display.close();
        await phone.close();
      }
    });
  }

  it('colours the sprite while a phone button is held', async () => {
    const display = await chromium.open(urlOf(example, 'display'));
    const phone = await chromium.open(urlOf(example, 'phone'));
    try {
      await Promise.all([joined(display.page), joined(phone.page)]);
      await phone.page.locator('#button-a').hover();
      await phone.page.mouse.down();
      await display.page.locator('#sprite[data-button="a"]').waitFor();
      await phone.page.mouse.up();
      await display.page.locator('#sprite:not([data-button])').waitFor();
    } finally {
      await display.close();
      await phone.close();
    }
  });
});
