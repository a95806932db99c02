/**
 * Headless Chromium (Debian `chromium`, driven by playwright-core) for the browser tests. Each
 * page opens in its own browser context, as on its own device: its own storage, and visible (a
 * background tab of one context would get no animation frames).
 */
import { setPriority } from 'node:os';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** The flags every browser test starts Debian's Chromium with: headless, quiet, nothing fetched. */
export const HEADLESS_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export interface OpenedPage {
  readonly page: Page;
  /** Errors thrown by the page's scripts. */
  readonly errors: string[];
  /** Closes the page and its context, as a person closing the tab. */
  close(): Promise<void>;
}

export interface Chromium {
  readonly browser: Browser;
  /** Opens `url` in a new context (a new "device"); `beforeLoad` can attach listeners first. */
  open(url: string, beforeLoad?: (page: Page) => void): Promise<OpenedPage>;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<Chromium> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      ...HEADLESS_ARGS,
      '--disable-background-timer-throttling',
      '--disable-renderer-backgrounding',
      '--disable-backgrounding-occluded-windows',
      // The tests press the pads without a click having unlocked audio first on every page.
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
  return {
    browser,
    open: async (url, beforeLoad) => {
      const context = await browser.newContext({ viewport: { width: 900, height: 700 } });
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      beforeLoad?.(page);
      await page.goto(url);
      return { page, errors, close: () => context.close() };
    },
    close: () => browser.close(),
  };
}

/** Above every priority Chromium gives its own threads (it runs its display threads at -8 when it can). */
const ABOVE_CHROMIUM_NICENESS = -10;

/**
 * For the latency tests: runs this process's event loop (and the Switchboard it hosts) ahead of
 * Chromium's threads. Run as root, as in CI, Chromium raises its display and compositor threads
 * to niceness -8, and its pages, which stand for other devices, then starve the server of the
 * machine's two cores for hundreds of milliseconds at a time. Where this process may not raise
 * its priority, Chromium may not raise its threads' either, and nothing needs changing. Linux
 * sets niceness per thread: this sets the calling (main) thread's.
 */
export function outrankChromium(): void {
  try {
    setPriority(ABOVE_CHROMIUM_NICENESS);
  } catch {
    // Not permitted: neither is Chromium's raise (see above).
  }
}
