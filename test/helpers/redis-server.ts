/**
 * A private Redis server on a free port, for tests that stop and restart the bus (the shared one
 * must stay up for everyone else).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

export interface PrivateRedisOptions {
  /**
   * Keep the data across restarts, as a production Redis with appendonly does: an append-only
   * file in a temporary directory, fsynced on every write so a SIGKILL loses nothing.
   */
  readonly persistent?: boolean;
}

export class PrivateRedis {
  readonly port: number;
  readonly #persistent: boolean;
  #dataDir: string | undefined;
  #child: ChildProcess | undefined;

  constructor(port: number, options: PrivateRedisOptions = {}) {
    this.port = port;
    this.#persistent = options.persistent ?? false;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /**
   * Starts redis-server and waits until it accepts. Without `persistent` a restart comes back
   * empty; with it, a restart reloads everything written before.
   */
  async start(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', ''];
    if (this.#persistent) {
      this.#dataDir ??= await mkdtemp(join(tmpdir(), 'sb-redis-'));
      args.push('--appendonly', 'yes', '--appendfsync', 'always', '--dir', this.#dataDir);
    } else {
      args.push('--appendonly', 'no');
    }
    const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'ignore'] });
    this.#child = child;
    await new Promise<void>((resolve, reject) => {
      const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
      lines.on('line', (line) => {
        if (line.includes('Ready to accept connections')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`redis-server exited with ${String(code)}`)));
    });
  }

  /** Freezes the server (SIGSTOP): it keeps accepting TCP connections and answers nothing. */
  pause(): void {
    this.#child?.kill('SIGSTOP');
  }

  /** Thaws a paused server (SIGCONT); it then answers what it was sent meanwhile. */
  resume(): void {
    this.#child?.kill('SIGCONT');
  }

  /** Kills the server abruptly, as a crash would. */
  async kill(): Promise<void> {
    const child = this.#child;
    // A server already gone (exited, or killed by a signal) has nothing left to wait for.
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    await once(child, 'exit');
  }

  /** Kills the server and removes its data, if it kept any. */
  async close(): Promise<void> {
    await this.kill();
    if (this.#dataDir !== undefined) await rm(this.#dataDir, { recursive: true, force: true });
  }
}

/** A private Redis Sentinel monitoring `primary` under `name`, for tests of `redis.sentinels`. */
export class PrivateSentinel {
  readonly port: number;
  readonly #child: ChildProcess;

  private constructor(port: number, child: ChildProcess) {
    this.port = port;
    this.#child = child;
  }

  static async start(primary: PrivateRedis, name: string): Promise<PrivateSentinel> {
    const port = await freePort();
    const dir = await mkdtemp(join(tmpdir(), 'sb-sentinel-'));
    const configPath = join(dir, 'sentinel.conf');
    // Sentinel rewrites its config file, so it gets a writable one of its own.
    await writeFile(configPath, `port ${port}\nbind 127.0.0.1\nsentinel monitor ${name} 127.0.0.1 ${primary.port} 1\n`);
    const child = spawn('redis-server', [configPath, '--sentinel'], { stdio: ['ignore', 'pipe', 'ignore'] });
    await new Promise<void>((resolve, reject) => {
      const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
      lines.on('line', (line) => {
        if (line.includes('+monitor master')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`redis sentinel exited with ${String(code)}`)));
    });
    return new PrivateSentinel(port, child);
  }

  async kill(): Promise<void> {
    if (this.#child.exitCode !== null) return;
    this.#child.kill('SIGKILL');
    await once(this.#child, 'exit');
  }
}
