/**
 * A load-generator process. The orchestrator forks several; each holds its share of the
 * connections (under the per-process open-file limit) and answers requests over IPC.
 */
import { Histogram, nowMicros } from '../stats/histogram.js';
import { Counters } from './counters.js';
import type { ChurnRequest, ChurnResult, OpenRequest, OpenResult, SubscribeSpec, WorkerAnswer, WorkerMessage, WorkerRequest } from './protocol.js';
import { publish } from './publisher.js';
import { PusherClient, type Subscription } from './pusher-client.js';

/** A handshake (and subscription) that takes longer than this counts as failed. */
const READY_TIMEOUT_MS = 30_000;
const CLOSE_ALL_TIMEOUT_MS = 10_000;
const MAX_FAILURE_SAMPLES = 5;

const counters = new Counters();
/** Ready connections held open between requests. */
const held = new Set<PusherClient>();
/** Called when a held connection closes, while close-all waits. */
let onHeldClosed: (() => void) | undefined;

function channelOf(spec: SubscribeSpec, index: number): string {
  if (spec.naming === 'shared') return spec.prefix;
  if (spec.naming === 'modulo') return `${spec.prefix}${index % (spec.modulo ?? 1)}`;
  return `${spec.prefix}${index}`;
}

/** Opens connections, `concurrency` handshakes at a time; the ready ones stay held. */
function open(request: OpenRequest): Promise<OpenResult> {
  const handshake = new Histogram();
  const failures: string[] = [];
  const subscribed: Record<string, number> = {};
  const startUs = nowMicros();
  let next = 0;
  let active = 0;
  let opened = 0;
  let failed = 0;
  return new Promise((resolve) => {
    const launch = (): void => {
      while (active < request.concurrency && next < request.count) {
        const index = request.firstIndex + next;
        next += 1;
        active += 1;
        startOne(index);
      }
      if (active === 0 && next >= request.count) {
        resolve({ opened, failed, failures, elapsedMs: (nowMicros() - startUs) / 1000, handshake: handshake.toData(), subscribed });
      }
    };
    const settle = (success: boolean, reason?: string): void => {
      active -= 1;
      if (success) opened += 1;
      else {
        failed += 1;
        if (failures.length < MAX_FAILURE_SAMPLES && reason !== undefined) failures.push(reason);
      }
      launch();
    };
    const startOne = (index: number): void => {
      const subscription: Subscription | undefined =
        request.subscribe === undefined ? undefined : { channel: channelOf(request.subscribe, index), userId: `u${index}` };
      const localAddress = request.localAddresses[index % request.localAddresses.length];
      let settled = false;
      const timer = setTimeout(() => {
        if (settled) return;
        settled = true;
        client.destroy();
        settle(false, 'timed out before ready');
      }, READY_TIMEOUT_MS);
      const client = new PusherClient(request.endpoint, localAddress, subscription, counters, {
        ready: (ready) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          handshake.record(nowMicros() - ready.startedUs);
          if (subscription !== undefined) subscribed[subscription.channel] = (subscribed[subscription.channel] ?? 0) + 1;
          held.add(ready);
          settle(true);
        },
        closed: (closed, code, error) => {
          held.delete(closed);
          if (!settled) {
            settled = true;
            clearTimeout(timer);
            settle(false, `closed before ready: ${code}${error === undefined ? '' : ` ${error}`}`);
          } else if (!closed.leaving) {
            counters.unexpectedClose(code, error);
          }
          onHeldClosed?.();
        },
      }, nowMicros());
    };
    launch();
  });
}

/**
 * Presence churn: each of `concurrency` loops connects, joins, stays `holdMs`, leaves, and starts
 * again. A churner the server closes while it stays counts as an unexpected close.
 */
function churn(request: ChurnRequest): Promise<ChurnResult> {
  const join = new Histogram();
  const failures: string[] = [];
  const startUs = nowMicros();
  const deadlineUs = startUs + request.durationMs * 1000;
  const holdMs = request.holdMs ?? 0;
  let sequence = 0;
  let cycles = 0;
  let failed = 0;
  let running = 0;
  return new Promise((resolve) => {
    const leave = (client: PusherClient, index: number): void => {
      if (holdMs > 0 && index % 2 === 0) client.unsubscribe();
      client.close();
    };
    const cycle = (): void => {
      if (nowMicros() >= deadlineUs) {
        running -= 1;
        if (running === 0) resolve({ cycles, failed, failures, elapsedMs: (nowMicros() - startUs) / 1000, join: join.toData() });
        return;
      }
      const index = sequence;
      sequence += 1;
      const channel = request.channels[index % request.channels.length] ?? '';
      const localAddress = request.localAddresses[index % request.localAddresses.length];
      let joined = false;
      const timer = setTimeout(() => client.destroy(), READY_TIMEOUT_MS);
      const client = new PusherClient(request.endpoint, localAddress, { channel, userId: `${request.userPrefix}${index}` }, counters, {
        ready: (ready) => {
          joined = true;
          clearTimeout(timer);
          join.record(nowMicros() - ready.startedUs);
          const stayMs = Math.min(holdMs, Math.max(0, (deadlineUs - nowMicros()) / 1000));
          if (stayMs === 0) leave(ready, index);
          else setTimeout(() => leave(ready, index), stayMs);
        },
        closed: (closed, code, error) => {
          clearTimeout(timer);
          if (joined) {
            cycles += 1;
            if (!closed.leaving) counters.unexpectedClose(code, error);
          } else {
            failed += 1;
            if (failures.length < MAX_FAILURE_SAMPLES) failures.push(`closed before joining: ${code}${error === undefined ? '' : ` ${error}`}`);
          }
          cycle();
        },
      }, nowMicros());
    };
    running = Math.max(1, request.concurrency);
    for (let loop = 0; loop < running; loop += 1) {
      if (holdMs === 0) cycle();
      else setTimeout(cycle, (loop * holdMs) / running);
    }
  });
}

function closeAll(): Promise<null> {
  if (held.size === 0) return Promise.resolve(null);
  return new Promise((resolve) => {
    const timer = setTimeout(done, CLOSE_ALL_TIMEOUT_MS);
    function done(): void {
      clearTimeout(timer);
      onHeldClosed = undefined;
      held.clear();
      resolve(null);
    }
    onHeldClosed = () => {
      if (held.size === 0) done();
    };
    for (const client of [...held]) client.destroy();
  });
}

async function handle(request: WorkerRequest): Promise<unknown> {
  switch (request.type) {
    case 'open':
      return open(request);
    case 'churn':
      return churn(request);
    case 'publish':
      return publish(request);
    case 'reset':
      counters.reset();
      return null;
    case 'stats':
      return counters.snapshot(held.size, request.histogram);
    case 'close-all':
      return closeAll();
  }
}

function answer(message: WorkerAnswer): void {
  process.send?.(message);
}

process.on('message', (message: WorkerMessage) => {
  handle(message.request).then(
    (result) => answer({ id: message.id, ok: true, result }),
    (error: unknown) => answer({ id: message.id, ok: false, error: error instanceof Error ? error.stack ?? error.message : String(error) }),
  );
});
// The orchestrator is gone: nothing left to measure for.
process.on('disconnect', () => process.exit(0));
