/**
 * The fuzz run: fast-check generates batches (inputs.ts) from one seed; each batch is driven
 * against the in-process server (every client sequence in parallel, then the HTTP requests a few
 * at a time) and the invariants are checked (target.ts). A failure stops the run with the seed
 * and fast-check's counterexample path, which replay exactly that batch.
 */
import { Agent, request as httpRequest } from 'node:http';
import fc from 'fast-check';
import { batch, type Batch, type HttpInput, type Step } from './inputs.js';
import { renderHttp, renderStep } from './render.js';
import { FUZZ_APP, FuzzTarget, InvariantBroken, mb } from './target.js';
import { WireClient } from './wire-client.js';

export interface FuzzOptions {
  /**
   * Inputs to send (frames and HTTP requests), rounded up to a whole batch. A client's sequence
   * ends where the server closes its connection, so more are generated than sent.
   */
  readonly count: number;
  readonly seed: number;
  /** fast-check's counterexample path, to replay one failure. */
  readonly path?: string | undefined;
  readonly clients: number;
  readonly steps: number;
  readonly requests: number;
  /** Heap check every this many batches (0: never). */
  readonly gcEvery: number;
  readonly heapSlackMb: number;
  /** Called after each batch with the running totals. */
  readonly progress?: ((report: FuzzReport) => void) | undefined;
}

export interface FuzzReport {
  readonly seed: number;
  readonly batches: number;
  readonly frames: number;
  readonly httpRequests: number;
  /** Inputs generated, including the rest of each sequence after the server closed it. */
  readonly generated: number;
  readonly seconds: number;
  readonly closedByServer: number;
  readonly statuses: Readonly<Record<string, number>>;
  readonly baselineHeapMb: string | undefined;
  readonly peakHeapMb: string;
  /** Resident set size of the whole process (server and driver), sampled after every batch. */
  readonly rssMb: string;
  readonly peakRssMb: string;
  /** fast-check's failure report (seed, path, counterexample, error), when an invariant broke. */
  readonly failure: string | undefined;
}

const SETTLE_TIMEOUT_MS = 20_000;
const HTTP_TIMEOUT_MS = 10_000;
const HTTP_PARALLEL = 8;

/** Ends the run once `count` inputs were sent: thrown by the property, not a failure. */
class Enough extends Error {}

interface Totals {
  batches: number;
  frames: number;
  httpRequests: number;
  closedByServer: number;
  statuses: Map<number, number>;
  rss: number;
  peakRss: number;
}

async function driveClient(port: number, steps: readonly Step[], index: number, totals: Totals): Promise<void> {
  const client = await WireClient.open(port, `/app/${FUZZ_APP.key}?protocol=7&client=fuzz`);
  try {
    const socketId = await client.socketId();
    if (socketId === undefined) throw new InvariantBroken(`client ${index}: no connection_established (close code ${String(client.closeCode)})`);
    for (const step of steps) {
      if (client.closed) break;
      const rendered = renderStep(step, FUZZ_APP, socketId);
      await client.write(rendered.bytes, rendered.cuts);
      totals.frames += 1;
    }
    // Everything before it has been processed once this marker subscription is answered.
    const marker = `fuzz-done-${index}`;
    if (!client.closed) await client.write(renderStep({ kind: 'raw', text: `{"event":"pusher:subscribe","data":{"channel":"${marker}"}}`, split: { kind: 'whole' } }, FUZZ_APP, socketId).bytes);
    if (!(await client.settled(`"channel":"${marker}"`, SETTLE_TIMEOUT_MS))) {
      throw new InvariantBroken(`client ${index}: no answer within ${SETTLE_TIMEOUT_MS} ms after its last frame (server stuck on it)`);
    }
    if (client.internalError) throw new InvariantBroken(`client ${index}: the server answered SB_INTERNAL`);
    if (client.closed) totals.closedByServer += 1;
  } finally {
    client.destroy();
  }
}

function sendHttp(port: number, agent: Agent, input: HttpInput): Promise<number> {
  const rendered = renderHttp(input, FUZZ_APP, Date.now());
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: '127.0.0.1', port, agent, method: rendered.method, path: rendered.path, headers: rendered.headers, timeout: HTTP_TIMEOUT_MS });
    request.on('response', (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new InvariantBroken(`${rendered.method} ${rendered.path}: no answer within ${HTTP_TIMEOUT_MS} ms`)));
    request.on('error', reject);
    request.end(rendered.body);
  });
}

async function driveHttp(port: number, agent: Agent, inputs: readonly HttpInput[], totals: Totals): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < inputs.length) {
      const input = inputs[next] as HttpInput;
      next += 1;
      const status = await sendHttp(port, agent, input);
      totals.httpRequests += 1;
      totals.statuses.set(status, (totals.statuses.get(status) ?? 0) + 1);
      if (status >= 500) throw new InvariantBroken(`${input.method} ${input.path} answered ${status}`);
    }
  };
  await Promise.all(Array.from({ length: HTTP_PARALLEL }, worker));
}

async function driveBatch(target: FuzzTarget, agent: Agent, generated: Batch, totals: Totals): Promise<void> {
  await Promise.all([
    ...generated.clients.map((steps, index) => driveClient(target.port, steps, index, totals)),
    driveHttp(target.port, agent, generated.http, totals),
  ]);
}

export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const target = await FuzzTarget.start();
  const agent = new Agent({ keepAlive: true, maxSockets: HTTP_PARALLEL });
  const totals: Totals = { batches: 0, frames: 0, httpRequests: 0, closedByServer: 0, statuses: new Map(), rss: 0, peakRss: 0 };
  const perBatch = options.clients * options.steps + options.requests;
  const started = Date.now();
  const report = (failure: string | undefined): FuzzReport => ({
    seed: options.seed,
    batches: totals.batches,
    frames: totals.frames,
    httpRequests: totals.httpRequests,
    generated: totals.batches * perBatch,
    seconds: (Date.now() - started) / 1000,
    closedByServer: totals.closedByServer,
    statuses: Object.fromEntries([...totals.statuses].sort(([a], [b]) => a - b).map(([status, count]) => [String(status), count])),
    baselineHeapMb: target.baselineHeap === undefined ? undefined : mb(target.baselineHeap),
    peakHeapMb: mb(target.peakHeap),
    rssMb: mb(totals.rss),
    peakRssMb: mb(totals.peakRss),
    failure,
  });
  const property = fc.asyncProperty(batch(options.clients, options.steps, options.requests), async (generated) => {
    if (options.path === undefined && totals.frames + totals.httpRequests >= options.count) throw new Enough();
    await driveBatch(target, agent, generated, totals);
    totals.batches += 1;
    const heap = options.gcEvery > 0 && totals.batches % options.gcEvery === 0;
    await target.check(totals.batches, heap, options.heapSlackMb * 1_048_576);
    totals.rss = process.memoryUsage.rss();
    totals.peakRss = Math.max(totals.peakRss, totals.rss);
    options.progress?.(report(undefined));
  });
  let failure: string | undefined;
  try {
    const details = await fc.check(property, {
      seed: options.seed,
      // Unbounded: the property ends the run with Enough once `count` inputs were sent. A replay
      // (`path`) runs that one batch.
      numRuns: options.path === undefined ? Number.MAX_SAFE_INTEGER : Math.max(1, Math.ceil(options.count / perBatch)),
      endOnFailure: true,
      ...(options.path === undefined ? {} : { path: options.path }),
    });
    if (details.failed && !(details.errorInstance instanceof Enough)) {
      // fast-check's report leaves out what broke when it ends on the first failure: say it first.
      const broken = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
      failure = `${broken}\n${fc.defaultReportMessage(details)}`;
    }
  } finally {
    agent.destroy();
    await target.close();
  }
  return report(failure);
}
