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
 *   node dist/bench/instructions.js [--subscribers N] [--messages M] [--rounds R] [--admin on|off]
 */
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { Agent } from 'node:http';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import Pusher from 'pusher';
import WebSocket from 'ws';

const APP = { id: 'instr', key: 'instr-key', secret: 'instr-secret' };
const CHANNEL = 'fanout';

interface Settings {
  readonly subscribers: number;
  readonly messages: number;
  readonly rounds: number;
  readonly admin: boolean;
}

function settings(): Settings {
  const { values } = parseArgs({
    options: {
      subscribers: { type: 'string', default: '200' },
      messages: { type: 'string', default: '1000' },
      rounds: { type: 'string', default: '3' },
      admin: { type: 'string', default: 'on' },
    },
  });
  const count = (text: string, name: string): number => {
    const value = Number(text);
    if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
    return value;
  };
  if (values.admin !== 'on' && values.admin !== 'off') throw new Error('--admin must be on or off');
  return {
    subscribers: count(values.subscribers, 'subscribers'),
    messages: count(values.messages, 'messages'),
    rounds: count(values.rounds, 'rounds'),
    admin: values.admin === 'on',
  };
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Instructions counted while collection was on, read from callgrind's totals line. */
async function instructionsOf(outFile: string): Promise<number> {
  const text = await readFile(outFile, 'utf8');
  const totals = /^totals:\s+(\d+)/m.exec(text);
  if (totals?.[1] === undefined) throw new Error(`no totals in ${outFile}`);
  return Number(totals[1]);
}

const run = promisify(execFile);

/** Turns callgrind's collection on or off in the server's process. */
async function collect(pid: number, on: boolean): Promise<void> {
  await run('callgrind_control', ['-i', on ? 'on' : 'off', String(pid)], { timeout: 120_000 });
}

/** One server run under callgrind: counts only the fan-out of `messages` publications to every subscriber. */
async function countRun(settings: Settings, messages: number, folder: string, label: string): Promise<number> {
  const port = await freePort();
  const config = join(folder, `${label}.json`);
  const outFile = join(folder, `${label}.callgrind`);
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
  const child = spawn(
    'valgrind',
    ['--tool=callgrind', '--instr-atstart=no', `--callgrind-out-file=${outFile}`, process.execPath, 'bin/switchboard.js', 'start', '--config', config],
    { stdio: ['ignore', 'ignore', 'ignore'] },
  );
  const exited = once(child, 'exit');
  // The publisher's own keep-alive pool, closed before the server stops: a pooled socket reset by
  // the stopping server would otherwise surface as an uncaught ECONNRESET in the SDK's request.
  const agent = new Agent({ keepAlive: true });
  const pid = child.pid;
  if (pid === undefined) throw new Error('valgrind did not start');
  try {
    const sockets = await connectAll(port, settings.subscribers);
    let received = 0;
    let allReceived: () => void = () => undefined;
    const done = new Promise<void>((resolve) => (allReceived = resolve));
    const expected = settings.subscribers * messages;
    for (const socket of sockets) {
      socket.on('message', (data: Buffer) => {
        if (data.includes('"event":"tick"')) received += 1;
        if (received === expected) allReceived();
      });
    }
    const pusher = new Pusher({ appId: APP.id, key: APP.key, secret: APP.secret, host: '127.0.0.1', port: String(port), useTLS: false, agent });
    await collect(pid, true);
    for (let index = 0; index < messages; index += 1) await pusher.trigger(CHANNEL, 'tick', { index });
    await done;
    await collect(pid, false);
    for (const socket of sockets) socket.terminate();
  } finally {
    agent.destroy();
    child.kill('SIGTERM');
    await exited;
  }
  return instructionsOf(outFile);
}

/** Connects and subscribes every socket; resolves once all are subscribed (retrying until the server is up). */
async function connectAll(port: number, count: number): Promise<WebSocket[]> {
  const first = await retryConnect(port);
  const rest = await Promise.all(Array.from({ length: count - 1 }, () => subscribe(port)));
  return [first, ...rest];
}

async function retryConnect(port: number): Promise<WebSocket> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      return await subscribe(port);
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
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

async function main(): Promise<void> {
  const chosen = settings();
  const folder = await mkdtemp(join(tmpdir(), 'switchboard-instructions-'));
  try {
    const perDelivery: number[] = [];
    for (let round = 0; round < chosen.rounds; round += 1) {
      const counted = await countRun(chosen, chosen.messages, folder, `round-${String(round)}`);
      const value = counted / (chosen.subscribers * chosen.messages);
      perDelivery.push(value);
      console.log(`round ${String(round + 1)}: ${String(counted)} instructions counted, ${value.toFixed(0)} per delivery`);
    }
    const sorted = [...perDelivery].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
    console.log(`admin ${chosen.admin ? 'on' : 'off'}: median ${median.toFixed(0)} instructions per delivery (${String(chosen.subscribers)} subscribers x ${String(chosen.messages)} messages)`);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

await main();
