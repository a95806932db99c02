/**
 * Writes the figures the example tests recorded (examples/figures.json, from
 * `npm run examples:record`) into examples/README.md, between its figures markers.
 */
import { readFile, writeFile } from 'node:fs/promises';

const README = new URL('../../examples/README.md', import.meta.url);
const FIGURES = new URL('../../examples/figures.json', import.meta.url);
const START = '<!-- figures:start -->';
const END = '<!-- figures:end -->';

interface Figures {
  readonly samples: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly measuredAt: string;
  readonly loadAverage?: number;
  readonly cores?: number;
  readonly movesPerSecond?: number;
  readonly sentPerSecond?: number;
}

const ROWS: readonly (readonly [key: string, what: string])[] = [
  ['controller-ws', 'controller: input on the phone to the frame drawing it, display on WebSocket'],
  ['controller-xhr_streaming', 'controller: the same, display on `xhr_streaming`'],
  ['soundboard-press-to-sound', 'soundboard: press on one page to the tone starting on another'],
  ['soundboard-leave', 'soundboard: a closed tab to its name leaving the others\' lists'],
];

const all = JSON.parse(await readFile(FIGURES, 'utf8')) as Record<string, Figures | undefined>;
const lines = ['| Measured | Samples | p50 | p99 | Max |', '|---|---:|---:|---:|---:|'];
for (const [key, what] of ROWS) {
  const figures = all[key];
  if (figures === undefined) throw new Error(`examples/figures.json has no "${key}": run npm run examples:record`);
  const rate = figures.sentPerSecond === undefined ? '' : ` (${figures.sentPerSecond} inputs/s sent)`;
  lines.push(`| ${what}${rate} | ${figures.samples} | ${figures.p50} ms | ${figures.p99} ms | ${figures.max} ms |`);
}
const dates = ROWS.map(([key]) => all[key]?.measuredAt.slice(0, 10) ?? '');
const loads = ROWS.flatMap(([key]) => all[key]?.loadAverage ?? []);
const cores = all[ROWS[0]?.[0] ?? '']?.cores;
const load = loads.length === 0 || cores === undefined ? '' : `, ${cores} cores with a load average of ${Math.min(...loads)} to ${Math.max(...loads)}`;
lines.push('', `Measured on ${[...new Set(dates)].join(', ')} by \`npm run examples:record\`, everything on one machine (loopback${load}).`);

const readme = await readFile(README, 'utf8');
const start = readme.indexOf(START);
const end = readme.indexOf(END);
if (start < 0 || end < start) throw new Error(`examples/README.md has no ${START} ... ${END} block`);
await writeFile(README, `${readme.slice(0, start + START.length)}\n${lines.join('\n')}\n${readme.slice(end)}`);
process.stdout.write('wrote examples/README.md\n');
