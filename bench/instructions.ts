/**
 * Instructions per delivery, counted by valgrind's callgrind: a measure of CPU cost that does
 * not move with the machine's load, for questions whose answer is smaller than the run-to-run
 * noise of timing (e.g. "do metrics cost more than 2% per delivery?").
 *
 * Runs the server under `valgrind --tool=callgrind --instr-atstart=no`: nothing is counted while
 * it starts and the subscribers connect; `callgrind_control -i on` starts the count just before
 * the first publication and `-i off` stops it once every subscriber has every message, so the
 * total, divided by the deliveries, is the server's instructions per delivery (the signed API
 * request of each publication included, shared by all its recipients). Startup and shutdown,
 * whose JIT and GC work varies by hundreds of millions of instructions between runs, stay out.
 * Needs `valgrind` (Debian package) and a build (`npm run build`).
 *
 * With `--in-flight N`, N publish requests are in flight at once, as in the saturation scenarios;
 * with `--batch B`, each request is a batch of B events (at most 10, the API's limit), all
 * delivered in one event-loop turn: each socket write then carries B frames or more, as at
 * saturation (where the bench sees 0.064 writes per delivery), and the count says what the
 * per-recipient code costs rather than one write per delivery. With `--cache-sim on`, callgrind also simulates the
 * caches and the data-cache misses per delivery are printed (first level, and last level): the
 * cost of touching many objects per recipient, which instruction counts do not show.
 *
 *   node dist/bench/instructions.js [--subscribers N] [--messages M] [--rounds R] [--admin on|off]
 *     [--in-flight N] [--batch B] [--cache-sim on|off] [--warmup W] [--keep DIR]
 *
 * `--warmup W` publishes W more messages the same way before the count starts, so that V8 has
 * compiled the path (without it, the count includes the interpreter and the compiler's own work);
 * `--keep DIR` leaves each round's callgrind output in DIR, for `callgrind_annotate`.
 */
import { Agent } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Pusher from 'pusher';
import WebSocket from 'ws';
import { freePort, positiveCount, startCounted, untilUp, type Totals } from './callgrind.js';

const APP = { id: 'instr', key: 'instr-key', secret: 'instr-secret' };
const CHANNEL = 'fanout';

interface Settings {
  readonly subscribers: number;
  readonly messages: number;
  readonly rounds: number;
  readonly admin: boolean;
  readonly inFlight: number;
  readonly batch: number;
  readonly cacheSim: boolean;
  readonly warmup: number;
  readonly keep: string | undefined;
}

function settings(): Settings {
  const { values } = parseArgs({
    options: {
      subscribers: { type: 'string', default: '200' },
      messages: { type: 'string', default: '1000' },
      rounds: { type: 'string', default: '3' },
      admin: { type: 'string', default: 'on' },
      'in-flight': { type: 'string', default: '1' },
      batch: { type: 'string', default: '1' },
      warmup: { type: 'string', default: '0' },
      keep: { type: 'string' },
      'cache-sim': { type: 'string', default: 'off' },
    },
  });
  if (values.admin !== 'on' && values.admin !== 'off') throw new Error('--admin must be on or off');
  if (values['cache-sim'] !== 'on' && values['cache-sim'] !== 'off') throw new Error('--cache-sim must be on or off');
  return {
    subscribers: positiveCount(values.subscribers, 'subscribers'),
    messages: positiveCount(values.messages, 'messages'),
    rounds: positiveCount(values.rounds, 'rounds'),
    admin: values.admin === 'on',
    inFlight: positiveCount(values['in-flight'], 'in-flight'),
    batch: Math.min(10, positiveCount(values.batch, 'batch')),
    cacheSim: values['cache-sim'] === 'on',
    warmup: values.warmup === '0' ? 0 : positiveCount(values.warmup, 'warmup'),
    keep: values.keep,
  };
}

/** Publishes `messages` ticks in requests of `batch` events, `inFlight` requests at a time. */
async function publishAll(pusher: Pusher, messages: number, inFlight: number, batch: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < messages) {
      const first = next;
      next = Math.min(messages, next + batch);
      if (next - first === 1) await pusher.trigger(CHANNEL, 'tick', { index: first });
      else await pusher.triggerBatch(Array.from({ length: next - first }, (_, offset) => ({ channel: CHANNEL, name: 'tick', data: { index: first + offset } })));
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, messages) }, worker));
}

/** One server run under callgrind: counts only the fan-out of `messages` publications to every subscriber. */
async function countRun(settings: Settings, messages: number, folder: string, label: string): Promise<Totals> {
  const port = await freePort();
  const config = join(folder, `${label}.json`);
  const outFile = join(settings.keep ?? folder, `${label}.callgrind`);
  await writeFile(
    config,
    JSON.stringify({
      host: '127.0.0.1',
      port,
      log: { level: 'warn' },
      admin: settings.admin ? { port: 0 } : { enabled: false },
      apps: [APP],
    }),
  );
  const server = startCounted(['bin/switchboard.js', 'start', '--config', config], outFile, settings.cacheSim);
  let totals: Totals;
  // The publisher's own keep-alive pool, closed before the server stops: a pooled socket reset by
  // the stopping server would otherwise surface as an uncaught ECONNRESET in the SDK's request.
  const agent = new Agent({ keepAlive: true });
  try {
    const sockets = await connectAll(port, settings.subscribers);
    // receivedAll(n) resolves once n ticks have arrived, counted across all sockets.
    let received = 0;
    let target = 0;
    let reachedTarget: () => void = () => undefined;
    const receivedAll = (count: number): Promise<void> => {
      target = count;
      return received >= count ? Promise.resolve() : new Promise<void>((resolve) => (reachedTarget = resolve));
    };
    for (const socket of sockets) {
      socket.on('message', (data: Buffer) => {
        if (data.includes('"event":"tick"')) received += 1;
        if (received === target) reachedTarget();
      });
    }
    const pusher = new Pusher({ appId: APP.id, key: APP.key, secret: APP.secret, host: '127.0.0.1', port: String(port), useTLS: false, agent });
    const warmed = settings.subscribers * settings.warmup;
    if (warmed > 0) {
      // Every warm-up delivery is in before the count starts.
      const warm = receivedAll(warmed);
      await publishAll(pusher, settings.warmup, settings.inFlight, settings.batch);
      await warm;
    }
    const done = receivedAll(warmed + settings.subscribers * messages);
    await server.collect(true);
    await publishAll(pusher, messages, settings.inFlight, settings.batch);
    await done;
    await server.collect(false);
    for (const socket of sockets) socket.terminate();
  } finally {
    agent.destroy();
    totals = await server.stop();
  }
  return totals;
}

/** Connects and subscribes every socket; resolves once all are subscribed (retrying until the server is up). */
async function connectAll(port: number, count: number): Promise<WebSocket[]> {
  const first = await untilUp(() => subscribe(port));
  const rest = await Promise.all(Array.from({ length: count - 1 }, () => subscribe(port)));
  return [first, ...rest];
}

function subscribe(port: number): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${String(port)}/app/${APP.key}?protocol=7`);
    // Every error rejects (a no-op once subscribed): a reset after `terminate` or the server's
    // SIGTERM must not surface as an uncaught exception that ends the measurement.
    socket.on('error', reject);
    socket.on('message', (data: Buffer) => {
      const text = data.toString();
      if (text.includes('pusher:connection_established')) {
        socket.send(JSON.stringify({ event: 'pusher:subscribe', data: { channel: CHANNEL } }));
      } else if (text.includes('pusher_internal:subscription_succeeded')) {
        resolve(socket);
      }
    });
  });
}

interface PerDelivery {
  readonly instructions: number;
  /** First-level data-cache misses (reads and writes); with the cache simulation only. */
  readonly d1Misses: number | undefined;
  /** Last-level data-cache misses (reads and writes); with the cache simulation only. */
  readonly llMisses: number | undefined;
}

function perDelivery(totals: Totals, deliveries: number): PerDelivery {
  const sum = (...names: string[]): number | undefined => (names.every((name) => totals.has(name)) ? names.reduce((total, name) => total + (totals.get(name) ?? 0), 0) / deliveries : undefined);
  return { instructions: (totals.get('Ir') ?? 0) / deliveries, d1Misses: sum('D1mr', 'D1mw'), llMisses: sum('DLmr', 'DLmw') };
}

function describe(counted: PerDelivery): string {
  const caches = counted.d1Misses === undefined || counted.llMisses === undefined ? '' : `, ${counted.d1Misses.toFixed(1)} D1 and ${counted.llMisses.toFixed(2)} LL data misses`;
  return `${counted.instructions.toFixed(0)} instructions${caches}`;
}

async function main(): Promise<void> {
  const chosen = settings();
  const folder = await mkdtemp(join(tmpdir(), 'switchboard-instructions-'));
  try {
    const deliveries = chosen.subscribers * chosen.messages;
    const rounds: PerDelivery[] = [];
    for (let round = 0; round < chosen.rounds; round += 1) {
      const counted = perDelivery(await countRun(chosen, chosen.messages, folder, `round-${String(round)}`), deliveries);
      rounds.push(counted);
      console.log(`round ${String(round + 1)}: ${describe(counted)} per delivery`);
    }
    const median = (pick: (round: PerDelivery) => number | undefined): number | undefined => {
      const values = rounds.map(pick).filter((value): value is number => value !== undefined).sort((a, b) => a - b);
      return values[Math.floor(values.length / 2)];
    };
    const summary = { instructions: median((round) => round.instructions) ?? 0, d1Misses: median((round) => round.d1Misses), llMisses: median((round) => round.llMisses) };
    console.log(
      `admin ${chosen.admin ? 'on' : 'off'}, ${String(chosen.inFlight)} in flight, batches of ${String(chosen.batch)}: median ${describe(summary)} per delivery (${String(chosen.subscribers)} subscribers x ${String(chosen.messages)} messages)`,
    );
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

await main();
