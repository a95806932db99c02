/**
 * What the example tests leave for examples/README.md when run by `npm run examples:record`
 * (SWITCHBOARD_RECORD_EXAMPLES=1): screenshots in examples/<name>/, and the measured figures in
 * examples/figures.json. Ordinary test runs record nothing, so they leave the checkout unchanged.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { REPO_ROOT } from './cli.js';

export const RECORDING = process.env['SWITCHBOARD_RECORD_EXAMPLES'] === '1';

const FIGURES_FILE = join(REPO_ROOT, 'examples', 'figures.json');

export async function recordScreenshot(page: Page, example: string, file = 'screenshot.png'): Promise<void> {
  if (RECORDING) await page.screenshot({ path: join(REPO_ROOT, 'examples', example, file) });
}

/** Latency figures in milliseconds, with what they were measured over. */
export type LatencyFigures = {
  readonly samples: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
};

/** Merges `figures` under `key` into examples/figures.json (the tests that record run one at a time). */
export async function recordFigures(key: string, figures: LatencyFigures & Readonly<Record<string, unknown>>): Promise<void> {
  if (!RECORDING) return;
  let all: Record<string, unknown> = {};
  try {
    all = JSON.parse(await readFile(FIGURES_FILE, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    if (!(error instanceof Error && 'code' in error && error.code === 'ENOENT')) throw error;
  }
  // The machine's load when measured: the figures of a busy machine are not those of a quiet one.
  all[key] = { ...figures, measuredAt: new Date().toISOString(), loadAverage: Math.round((loadavg()[0] ?? 0) * 10) / 10, cores: availableParallelism() };
  await writeFile(FIGURES_FILE, `${JSON.stringify(all, null, 2)}\n`);
}

/** The nearest-rank percentile `p` (0..100) of `values`. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  const value = sorted[rank - 1];
  if (value === undefined) throw new Error('no values');
  return value;
}

export function latencyFigures(values: readonly number[]): LatencyFigures {
  const round = (value: number): number => Math.round(value * 10) / 10;
  return { samples: values.length, p50: round(percentile(values, 50)), p99: round(percentile(values, 99)), max: round(Math.max(...values)) };
}
