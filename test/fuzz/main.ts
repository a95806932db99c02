/**
 * `npm run fuzz [-- --count N --seed S --path P --clients C --steps L --requests H --gc-every K --heap-slack-mb M]`
 * Runs the fuzz suite (runner.ts) and prints the figures; exits 1 with the seed and
 * counterexample path when an invariant broke. Needs `node --expose-gc` (the npm script passes it).
 */
import { parseArgs } from 'node:util';
import { runFuzz, type FuzzReport } from './runner.js';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '1000000' },
    seed: { type: 'string' },
    path: { type: 'string' },
    clients: { type: 'string', default: '32' },
    steps: { type: 'string', default: '32' },
    requests: { type: 'string', default: '48' },
    'gc-every': { type: 'string', default: '10' },
    'heap-slack-mb': { type: 'string', default: '96' },
  },
});

function integer(name: string, value: string | undefined): number {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed)) throw new Error(`--${name} must be an integer, got ${String(value)}`);
  return parsed;
}

function line(report: FuzzReport): string {
  const inputs = report.frames + report.httpRequests;
  const rate = report.seconds > 0 ? Math.round(inputs / report.seconds) : 0;
  return `batches ${report.batches}, frames ${report.frames}, HTTP requests ${report.httpRequests} (of ${report.generated} generated), ${report.seconds.toFixed(0)} s, ${rate} inputs/s, heap after GC ${report.baselineHeapMb ?? '-'} -> peak ${report.peakHeapMb} MB, RSS ${report.rssMb} (peak ${report.peakRssMb}) MB`;
}

const seed = values.seed === undefined ? Math.floor(Math.random() * 0x7fffffff) : integer('seed', values.seed);
console.log(`fuzz: seed ${seed}, ${values.count} inputs`);
let lastPrinted = Date.now();
const report = await runFuzz({
  count: integer('count', values.count),
  seed,
  path: values.path,
  clients: integer('clients', values.clients),
  steps: integer('steps', values.steps),
  requests: integer('requests', values.requests),
  gcEvery: integer('gc-every', values['gc-every']),
  heapSlackMb: integer('heap-slack-mb', values['heap-slack-mb']),
  progress: (running) => {
    if (Date.now() - lastPrinted < 10_000) return;
    lastPrinted = Date.now();
    console.log(`  ${line(running)}`);
  },
});
console.log(`fuzz: ${line(report)}`);
console.log(`  connections closed by the server (protocol violations, oversize): ${report.closedByServer}`);
console.log(`  HTTP statuses: ${JSON.stringify(report.statuses)}`);
if (report.failure !== undefined) {
  console.error(`fuzz FAILED (seed ${seed}; replay with --seed ${seed} and the path below)\n${report.failure}`);
  process.exitCode = 1;
}
