/**
 * The CI slice of the fuzz suite (docs/fuzzing.md): a few thousand generated frames and HTTP
 * requests from a random seed, with every invariant checked after each batch. On failure the
 * message carries the seed and fast-check's path: `npm run fuzz -- --seed S --path P` replays it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runFuzz } from './fuzz/runner.js';

describe('fuzz slice', () => {
  it('keeps every invariant over ~2,000 sent inputs', async (t) => {
    const seed = Number(process.env['FUZZ_SEED'] ?? Math.floor(Math.random() * 0x7fffffff));
    // Printed before the run too, so a timeout or crash still names the seed to replay.
    t.diagnostic(`fuzz seed ${seed} (replay: FUZZ_SEED=${seed} or npm run fuzz -- --seed ${seed})`);
    const report = await runFuzz({ count: 2_000, seed, clients: 8, steps: 16, requests: 16, gcEvery: 0, heapSlackMb: 96 });
    assert.equal(report.failure, undefined, `fuzz seed ${seed} failed:\n${report.failure ?? ''}`);
  });
});
