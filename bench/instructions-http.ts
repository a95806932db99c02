/**
 * Instructions per signed HTTP API publish, counted by valgrind's callgrind: the CPU cost of the
 * `http-api` scenario's request without the machine's load in it, for Switchboard and for the
 * baseline server (bench/servers/baseline-server.ts), so changes on the request path can be
 * compared by a number that does not move between runs by more than a few tenths of a percent.
 *
 * Each run starts the server under `valgrind --tool=callgrind --instr-atstart=no`, subscribes one
 * WebSocket client to the channel, sends `--warmup` requests uncounted (so that V8 has compiled
 * the path, as it has in a long benchmark), then counts `--requests` requests: the publisher
 * sends them one at a time over one keep-alive connection, byte for byte what the benchmark's
 * publisher sends (`POST /apps/{id}/events`, signed as the `pusher` SDK signs, 100-byte data),
 * and collection stops once the subscriber has every event. Needs `valgrind` and a build.
 *
 *   node dist/bench/instructions-http.js [--server switchboard|baseline] [--requests N] [--warmup W] [--rounds R] [--keep DIR]
 *
 * `--keep DIR` leaves each round's callgrind output in DIR, for `callgrind_annotate` (native
 * frames only: V8's compiled JavaScript shows as unnamed addresses; see a CPU profile for those).
 * Timers that run by the second (metrics history, upkeep) run about 50 times more often per
 * request under valgrind than at full speed, so a round spread over more wall time counts a few
 * percent more: compare medians of several rounds.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { signRestQuery } from '../src/protocol/rest-auth.js';
import { freePort, median, positiveCount, startCounted, untilUp, type Totals } from './callgrind.js';
import { HttpConnection } from './generator/http-client.js';
import { switchboardConfig } from './servers/targets.js';

const APP = { id: 'bench', key: 'bench-key', secret: 'bench-secret' };
const CHANNEL = 'bench-http';
const PAYLOAD_BYTES = 100;

interface Settings {
  readonly server: 'switchboard' | 'baseline';
  readonly requests: number;
  readonly warmup: number;
  readonly rounds: number;
  readonly keep: string | undefined;
}

function settings(): Settings {
  const { values } = parseArgs({
    options: {
      server: { type: 'string', default: 'switchboard' },
      requests: { type: 'string', default: '3000' },
      warmup: { type: 'string', default: '3000' },
      rounds: { type: 'string', default: '3' },
      keep: { type: 'string' },
    },
  });
  if (values.server !== 'switchboard' && values.server !== 'baseline') throw new Error('--server must be switchboard or baseline');
  return { server: values.server, requests: positiveCount(values.requests, 'requests'), warmup: positiveCount(values.warmup, 'warmup'), rounds: positiveCount(values.rounds, 'rounds'), keep: values.keep };
}

/** The server's command line (after `node`). */
async function serverArguments(chosen: Settings, port: number, folder: string, label: string): Promise<string[]> {
  if (chosen.server === 'baseline') return ['dist/bench/servers/baseline-server.js', '--mode', 'coalesced', '--port', String(port)];
  const config = join(folder, `${label}.json`);
  await writeFile(config, JSON.stringify({ ...switchboardConfig(4 * 1024 * 1024), port }));
  return ['bin/switchboard.js', 'start', '--config', config];
}

/** The request the benchmark's publisher sends with a constant body, signed now. */
function signedRequest(port: number): string {
  const path = `/apps/${APP.id}/events`;
  const prefix = 'T0|';
  const body = JSON.stringify({ name: 'bench', channel: CHANNEL, data: prefix + 'x'.repeat(PAYLOAD_BYTES - prefix.length) });
  const query = signRestQuery(APP, 'POST', path, {}, body, Date.now());
  return `POST ${path}?${query} HTTP/1.1\r\nHost: 127.0.0.1:${String(port)}\r\nContent-Type: application/json\r\nContent-Length: ${String(Buffer.byteLength(body))}\r\n\r\n${body}`;
}

/** Sends `count` requests one after another; rejects on the first answer that is not 200. */
function sendAll(connection: HttpConnection, port: number, count: number): Promise<void> {
  const text = signedRequest(port);
  return new Promise((resolve, reject) => {
    let sent = 0;
    const next = (): void => {
      if (sent === count) return resolve();
      sent += 1;
      connection.request(text, (status, detail) => {
        if (status !== 200) reject(new Error(`answer ${String(status)}: ${detail ?? ''}`));
        else next();
      });
    };
    next();
  });
}

async function countRun(chosen: Settings, folder: string, label: string): Promise<number> {
  const port = await freePort();
  const outFile = join(chosen.keep ?? folder, `${chosen.server}-${label}.callgrind`);
  const args = await serverArguments(chosen, port, folder, label);
  const server = startCounted(args, outFile);
  let totals: Totals;
  let socket: WebSocket | undefined;
  const connection = new HttpConnection('127.0.0.1', port);
  try {
    socket = await untilUp(() => subscribe(port));
    let received = 0;
    let target = chosen.warmup;
    let reached: () => void = () => undefined;
    socket.on('message', (data: Buffer) => {
      if (data.includes('"event":"bench"')) received += 1;
      if (received === target) reached();
    });
    const arrived = (): Promise<void> =>
      new Promise((resolve) => {
        if (received >= target) resolve();
        else reached = resolve;
      });
    const warmed = arrived();
    await sendAll(connection, port, chosen.warmup);
    await warmed;
    target = chosen.warmup + chosen.requests;
    const counted = arrived();
    await server.collect(true);
    await sendAll(connection, port, chosen.requests);
    await counted;
    await server.collect(false);
  } finally {
    connection.close();
    socket?.terminate();
    totals = await server.stop();
  }
  return totals.get('Ir') ?? 0;
}

function subscribe(port: number): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${String(port)}/app/${APP.key}?protocol=7`);
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
  const folder = await mkdtemp(join(tmpdir(), 'switchboard-instructions-http-'));
  try {
    const perRequest: number[] = [];
    for (let round = 0; round < chosen.rounds; round += 1) {
      const counted = await countRun(chosen, folder, `round-${String(round)}`);
      const value = counted / chosen.requests;
      perRequest.push(value);
      console.log(`round ${String(round + 1)}: ${String(counted)} instructions counted, ${value.toFixed(0)} per request`);
    }
    console.log(`${chosen.server}: median ${(median(perRequest) ?? 0).toFixed(0)} instructions per signed publish (${String(chosen.requests)} requests after ${String(chosen.warmup)} uncounted)`);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

await main();
