/**
 * The benchmark's smoke run, end to end as a developer runs it (`npm run bench -- --smoke`, bench/cli.ts): every
 * scenario against Switchboard, the baseline and the naive variant, in seconds. No thresholds:
 * this proves the benchmark still runs and measures something, not how fast. The soak run
 * (`--soak --smoke`) likewise, in seconds.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { BenchResult } from '../bench/report/results.js';
import { runCli } from './helpers/cli.js';

const SCENARIOS = [
  'fanout-1k-paced',
  'fanout-1k-saturation',
  'fanout-10k-paced',
  'fanout-10k-saturation',
  'fanout-2node-redis-paced',
  'fanout-2node-redis-saturation',
  'fanout-2node-nats-paced',
  'fanout-2node-nats-saturation',
  'many-channels',
  'presence-churn',
  'connection-storm',
  'idle-memory',
  'http-api',
  'push',
];

describe('benchmark smoke run', () => {
  it('runs every scenario on every target with nothing lost and writes JSON and SVG', async () => {
    const out = await mkdtemp(join(tmpdir(), 'switchboard-bench-smoke-'));
    try {
      const run = await runCli(['--smoke', '--quiet', '--out', out], {}, 'dist/bench/cli.js');
      assert.equal(run.code, 0, run.stderr + run.stdout);
      assert.match(run.stdout, /Targets:/);
      const files = await readdir(out);
      // A smoke run never replaces the committed figures of a full run.
      assert.ok(!files.includes('latest.json') && !files.includes('latest.svg'), files.join(', '));
      assert.ok(files.includes('partial-latest.svg'), files.join(', '));
      assert.match(await readFile(join(out, 'partial-latest.svg'), 'utf8'), /^<svg[\s\S]*<\/svg>\n$/);
      const result = JSON.parse(await readFile(join(out, 'partial-latest.json'), 'utf8')) as BenchResult;

      assert.deepEqual(result.failures, []);
      const ids = result.scenarios.map((scenario) => scenario.id);
      for (const expected of SCENARIOS) assert.ok(ids.some((id) => id.startsWith(expected)), `${expected} missing from ${ids.join(', ')}`);
      assert.equal(ids.filter((id) => id.startsWith('idle-memory-')).length, 2);
      assert.ok(!ids.some((id) => id.startsWith('idle-100k')), 'the opt-in scenario runs only when named');
      // Two nodes on a bus: Switchboard alone (the baseline has no bus), each node's CPU measured.
      const twoNode = (id: string): boolean => id.startsWith('fanout-2node-');
      for (const scenario of result.scenarios) {
        const targets = result.runs.filter((run) => run.scenario === scenario.id).map((run) => run.target).sort();
        // The baseline has no push and no bus: Switchboard alone runs those.
        const expected = twoNode(scenario.id) || scenario.id === 'push' ? ['switchboard'] : scenario.id.startsWith('fanout-') ? ['baseline', 'naive', 'switchboard'] : ['baseline', 'switchboard'];
        assert.deepEqual(targets, expected, scenario.id);
      }
      for (const run of result.runs.filter((entry) => twoNode(entry.scenario))) {
        assert.ok(run.metrics['cpuPublishingNodePerMillion'] !== null && run.metrics['cpuOtherNodePerMillion'] !== null, run.scenario);
      }
      for (const run of result.runs) {
        const where = `${run.scenario} on ${run.target}: ${run.samples.join('; ')}`;
        assert.equal(run.lost, 0, where);
        assert.equal(run.errors, 0, where);
        if (run.target !== 'baseline' && !twoNode(run.scenario) && run.scenario !== 'push') assert.ok(run.ratios !== undefined, where);
      }
      const delivered = result.runs.filter((run) => run.metrics['deliveries'] !== undefined && run.scenario !== 'push');
      assert.ok(delivered.every((run) => (run.metrics['deliveries'] ?? 0) > 0 && run.metrics['cpuSecondsPerMillion'] !== null));
      const churn = result.runs.find((run) => run.scenario === 'presence-churn' && run.target === 'switchboard');
      assert.ok((churn?.metrics['cycles'] ?? 0) > 0 && (churn?.metrics['memberEvents'] ?? 0) > 0);
      const push = result.runs.find((run) => run.scenario === 'push');
      assert.ok((push?.metrics['deliveries'] ?? 0) > 0 && (push?.metrics['cpuMsPerMessage'] ?? null) !== null, JSON.stringify(push?.metrics));
      assert.ok(result.checks.length > 0);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });

  it('runs the soak scenario alone, reads memory over time and writes only soak-latest.json', async () => {
    const out = await mkdtemp(join(tmpdir(), 'switchboard-bench-soak-'));
    try {
      const run = await runCli(['--soak', '--smoke', '--quiet', '--out', out], {}, 'dist/bench/cli.js');
      assert.equal(run.code, 0, run.stderr + run.stdout);
      assert.match(run.stdout, /switchboard over time/);
      const files = await readdir(out);
      assert.ok(files.includes('soak-latest.json'), files.join(', '));
      assert.ok(!files.includes('latest.json') && !files.includes('latest.svg'), files.join(', '));
      const result = JSON.parse(await readFile(join(out, 'soak-latest.json'), 'utf8')) as BenchResult;

      assert.deepEqual(result.failures, []);
      assert.deepEqual(result.scenarios.map((scenario) => scenario.id), ['soak']);
      assert.deepEqual(result.runs.map((run) => run.target), ['switchboard']);
      const [soak] = result.runs;
      assert.ok(soak !== undefined);
      const where = soak.samples.join('; ');
      assert.equal(soak.lost, 0, where);
      assert.equal(soak.errors, 0, where);
      assert.ok((soak.metrics['deliveries'] ?? 0) > 0 && soak.metrics['deliveries'] === soak.metrics['expectedDeliveries'], where);
      assert.ok((soak.metrics['churnCycles'] ?? 0) > 0 && (soak.metrics['memberEvents'] ?? 0) > 0, where);
      // A reading at the start and one per interval: 3 s at 1 s intervals.
      assert.equal(soak.timeline?.length, 4);
      for (const sample of soak.timeline ?? []) assert.ok((sample.rssMiB ?? 0) > 0 && (sample.heapUsedMiB ?? 0) > 0);
      assert.equal(typeof soak.metrics['rssGrowthPercent'], 'number');
      assert.equal(typeof soak.metrics['heapGrowthPercent'], 'number');
      assert.deepEqual(
        result.checks.map((check) => check.scenario),
        ['soak', 'soak'],
      );
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});
