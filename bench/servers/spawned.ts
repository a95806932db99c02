/**
 * A server the benchmark starts as a plain command rather than a child speaking its IPC contract:
 * `switchboard start --workers N` (a primary and its workers) and peers such as soketi. It listens
 * on a port chosen here, is ready once that port answers HTTP, and stops on SIGTERM (SIGKILL after
 * a bound). Its CPU and memory are those of the process and all its descendants (`pids`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import type { Endpoint } from '../generator/protocol.js';
import type { HeapReading } from './child-ipc.js';
import type { RunningTarget, TargetSpec } from './targets.js';

const READY_TIMEOUT_MS = 60_000;
const READY_POLL_MS = 200;
const STOP_TIMEOUT_MS = 10_000;
const OUTPUT_TAIL_BYTES = 4_096;

/** A port free now (bound to 0 and released), for servers that must be told their port. */
export function freePort(): Promise<number> {
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

/** The process and every descendant, read from /proc (Linux); the root first. */
export function processTree(root: number): number[] {
  const all: number[] = [];
  const queue = [root];
  for (let pid = queue.shift(); pid !== undefined; pid = queue.shift()) {
    all.push(pid);
    let children: string;
    try {
      children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8');
    } catch {
      continue;
    }
    for (const child of children.trim().split(/\s+/)) if (child !== '') queue.push(Number(child));
  }
  return all;
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/', method: 'GET', timeout: 1_000 }, (response) => {
      response.resume();
      resolve(true);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
    req.end();
  });
}

export interface SpawnedCommand {
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd?: string;
  readonly port: number;
  readonly app: { readonly id: string; readonly key: string; readonly secret: string };
  /** Ready also needs this many processes in the tree (a primary and its workers); default 1. */
  readonly processes?: number;
}

class SpawnedServer implements RunningTarget {
  readonly spec: TargetSpec;
  readonly endpoint: Endpoint;
  readonly #child: ChildProcess;
  readonly #exited: Promise<void>;

  constructor(spec: TargetSpec, child: ChildProcess, exited: Promise<void>, command: SpawnedCommand) {
    this.spec = spec;
    this.#child = child;
    this.#exited = exited;
    this.endpoint = { host: '127.0.0.1', port: command.port, appId: command.app.id, key: command.app.key, secret: command.app.secret };
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  pids(): readonly number[] {
    return this.#child.pid === undefined ? [] : processTree(this.#child.pid);
  }

  /** Not a process the benchmark can ask: memory is read without a forced collection. */
  gc(): Promise<HeapReading | undefined> {
    return Promise.resolve(undefined);
  }

  async stop(): Promise<void> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill('SIGTERM');
    const timer = setTimeout(() => {
      for (const pid of [...this.pids()].reverse()) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
    }, STOP_TIMEOUT_MS);
    await this.#exited;
    clearTimeout(timer);
  }
}

/** Starts the command and resolves once its port answers HTTP (and its process tree is complete). */
export async function spawnServer(spec: TargetSpec, command: SpawnedCommand): Promise<RunningTarget> {
  const child = spawn(command.command, [...command.args], {
    cwd: command.cwd,
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: process.env['HOME'] ?? '/tmp', ...command.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let tail = '';
  const keep = (chunk: Buffer): void => {
    tail = (tail + chunk.toString('utf8')).slice(-OUTPUT_TAIL_BYTES);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const state = { gone: false };
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      state.gone = true;
      resolve();
    }),
  );
  const server = new SpawnedServer(spec, child, exited, command);
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (state.gone) throw new Error(`${spec.name} exited before it was ready: ${tail}`);
    if ((await answers(command.port)) && server.pids().length >= (command.processes ?? 1)) return server;
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`${spec.name} did not start within ${READY_TIMEOUT_MS / 1000} s: ${tail}`);
    }
    await new Promise((resolve) => setTimeout(resolve, READY_POLL_MS));
  }
}
