/**
 * The figures in docs/logging.md, measured (a rough, repeatable measure; not part of the test run):
 *
 *   node dist/scripts/measure-logging.js lines [perTurn] > /dev/null   # lines/s to /dev/null
 *   node dist/scripts/measure-logging.js lines [perTurn] | sleep 60    # lines/s to a pipe nobody reads
 *   node dist/scripts/measure-logging.js connections [count]      # server CPU per connection, debug off vs on
 *
 * `lines` logs a "connection closed"-sized debug line as fast as the event loop allows for 5 s,
 * `perTurn` lines per event-loop turn (default 1,000; the writer completes one write per turn), through the command line's logger
 * (createStdoutLogger: pino into a LogWriter on fd 1) and reports on stderr what was offered,
 * written and dropped. `connections` runs the real command line at log.level info and at debug (
 * stdout to /dev/null), opens and closes `count` WebSocket connections (50 at a time) against it,
 * and reports the server's own CPU time (process_cpu_seconds_total from its admin listener) per
 * connection: six runs at each level, interleaved, and their medians.
 */
import { spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import { createServer } from 'node:net';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { createStdoutLogger } from '../src/shared/logger.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Runs of the server at each level, for `connections`. */
const ROUNDS = 6;

async function lines(perTurn: number): Promise<void> {
  const seconds = 5;
  const { logger, output } = createStdoutLogger('debug');
  const fields = {
    socketId: '123456789.987654321',
    app: 'my-app',
    transport: 'ws',
    remoteAddress: '203.0.113.7',
    code: 1000,
    reason: '',
    durationMs: 12_345,
  };
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  let offered = 0;
  while (performance.now() - started < seconds * 1000) {
    for (let index = 0; index < perTurn; index += 1) logger.debug(fields, 'connection closed');
    offered += perTurn;
    await nextTurn();
  }
  const elapsed = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStarted);
  const dropped = output.droppedLines;
  const report = {
    linesPerTurn: perTurn,
    seconds: round(elapsed),
    offeredPerSecond: Math.round(offered / elapsed),
    // Written, or still waiting in the buffer (at most log.maxBufferedBytes of them).
    keptPerSecond: Math.round((offered - dropped) / elapsed),
    dropped,
    bufferedBytes: output.bufferedBytes,
    cpuMicrosPerLine: round((cpu.user + cpu.system) / offered),
    rssMiB: round(process.memoryUsage().rss / 1_048_576),
  };
  process.stderr.write(`${JSON.stringify(report)}\n`);
  // A stalled reader never takes the rest: exit without waiting for it.
  process.exit(0);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function serverCpuSeconds(adminPort: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
  const match = /^process_cpu_seconds_total (\S+)$/m.exec(text);
  return Number(match?.[1]);
}

async function untilReady(port: number): Promise<void> {
  for (;;) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/ready`)).ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function openAndClose(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/app/app-key?protocol=7`);
    ws.once('message', () => ws.close(1000));
    ws.once('close', () => resolve());
    ws.once('error', reject);
  });
}

async function connectionsAt(level: 'info' | 'debug', count: number): Promise<number> {
  const [port, adminPort] = [await freePort(), await freePort()];
  const child = spawn('node', ['bin/switchboard.js', 'start', '--port', String(port)], {
    cwd: REPO_ROOT,
    env: { ...process.env, SWITCHBOARD_LOG_LEVEL: level, SWITCHBOARD_ADMIN_PORT: String(adminPort) },
    stdio: ['ignore', openSync('/dev/null', 'w'), 'inherit'],
  });
  try {
    await untilReady(port);
    // Warm up (JIT, pools) before measuring.
    for (let index = 0; index < 200; index += 1) await openAndClose(port);
    const before = await serverCpuSeconds(adminPort);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < count) {
        next += 1;
        await openAndClose(port);
      }
    };
    await Promise.all(Array.from({ length: 50 }, worker));
    const after = await serverCpuSeconds(adminPort);
    return ((after - before) * 1e6) / count;
  } finally {
    child.kill('SIGTERM');
  }
}

async function connections(count: number): Promise<void> {
  const measured: Record<'info' | 'debug', number[]> = { info: [], debug: [] };
  // Interleaved, in alternating order (info-debug, debug-info, ...), so a neighbour's load on a
  // shared machine and any drift from run to run hit both levels alike.
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const level of round % 2 === 0 ? (['info', 'debug'] as const) : (['debug', 'info'] as const)) {
      const micros = await connectionsAt(level, count);
      measured[level].push(micros);
      process.stderr.write(`${level}: ${Math.round(micros)} µs of server CPU per connection opened and closed\n`);
    }
  }
  const median = (values: number[]): number => Math.round([...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0);
  const report = { connections: count, medianCpuMicrosPerConnection: { info: median(measured.info), debug: median(measured.debug) } };
  process.stderr.write(`${JSON.stringify(report)}\n`);
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

const [mode, countArgument] = process.argv.slice(2);
if (mode === 'lines') await lines(Number(countArgument ?? 1000));
else if (mode === 'connections') await connections(Number(countArgument ?? 5000));
else process.stderr.write('usage: measure-logging.js lines [perTurn] | connections [count]\n');
