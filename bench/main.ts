/**
 * `npm run bench -- [options]` (bench/cli.ts): runs the benchmark, prints the table on
 * stdout, writes `latest.json` and `latest.svg` (and timestamped copies) to the results folder.
 * Only a full run (every scenario, not `--smoke`) replaces them: a smoke or partial run writes
 * `partial-latest.json` and `partial-latest.svg`, so the committed figures stay those of a full run.
 * A soak run (`--soak`) writes `soak-latest.json` (and a timestamped copy) instead, so that it
 * never replaces the figures of the regular run.
 */
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OptionsError, parseBenchOptions, USAGE, type BenchOptions } from './options.js';
import { renderSvg } from './report/svg.js';
import { renderTable } from './report/table.js';
import { runBenchmark } from './run.js';

const DEFAULT_OUT = fileURLToPath(new URL('../../bench/results/', import.meta.url));

/** Every scenario at its real size: the only kind of run whose figures the README shows. */
function isFullRun(options: BenchOptions): boolean {
  return !options.smoke && options.only.length === 0;
}

export async function runBench(argv: readonly string[]): Promise<void> {
  let options;
  try {
    options = parseBenchOptions(argv);
  } catch (error) {
    if (error instanceof OptionsError || (error instanceof TypeError && 'code' in error)) {
      process.stderr.write(`bench: ${error.message}\n\n${USAGE}\n`);
      process.exitCode = 2;
      return;
    }
    throw error;
  }
  if (options === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const result = await runBenchmark(options);
  const outDir = resolve(options.outDir ?? DEFAULT_OUT);
  await mkdir(outDir, { recursive: true });
  const stamp = result.startedAt.replace(/[:.]/g, '-').slice(0, 19);
  if (options.soak !== undefined) {
    const soakJson = join(outDir, `soak-${stamp}.json`);
    await writeFile(soakJson, `${JSON.stringify(result, null, 2)}\n`);
    await copyFile(soakJson, join(outDir, 'soak-latest.json'));
    process.stdout.write(`${renderTable(result)}\n\nResults: ${soakJson}\n`);
    if (result.failures.length > 0) process.exitCode = 1;
    return;
  }
  const json = join(outDir, `bench-${stamp}.json`);
  const svg = join(outDir, `bench-${stamp}.svg`);
  await writeFile(json, `${JSON.stringify(result, null, 2)}\n`);
  await writeFile(svg, renderSvg(result));
  const latest = isFullRun(options) ? 'latest' : 'partial-latest';
  await copyFile(json, join(outDir, `${latest}.json`));
  await copyFile(svg, join(outDir, `${latest}.svg`));
  const kept = latest === 'latest' ? '' : '\n(a smoke or partial run: latest.json and latest.svg are left as they are)';
  process.stdout.write(`${renderTable(result)}\n\nResults: ${json}\nChart:   ${svg}${kept}\n`);
  if (result.failures.length > 0) process.exitCode = 1;
}
