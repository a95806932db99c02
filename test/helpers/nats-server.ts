/**
 * A private NATS server (with JetStream) for tests that stop and restart the bus, so the shared
 * server other test runs use is never disturbed. Listens on a port the OS picks; a restart reuses
 * that port and the same storage directory, as a restarted production server would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const READY = /Server is ready/;
const LISTENING = /Listening for client connections on [^:\s]+:(\d+)/;
const START_TIMEOUT_MS = 15_000;

export class PrivateNatsServer {
  readonly #storeDir: string;
  #port = -1;
  #process: ChildProcess | undefined;

  private constructor(storeDir: string) {
    this.#storeDir = storeDir;
  }

  static async start(): Promise<PrivateNatsServer> {
    const server = new PrivateNatsServer(await mkdtemp(join(tmpdir(), 'sb-nats-')));
    await server.restart();
    return server;
  }

  get url(): string {
    return `127.0.0.1:${this.#port}`;
  }

  /**
   * Starts the server (again, on the same port and storage); resolves once it accepts clients.
   * `emptyStore` starts it with its JetStream storage wiped, as a server whose disk was lost.
   */
  async restart(options: { emptyStore?: boolean } = {}): Promise<void> {
    if (this.#process !== undefined) throw new Error('the server is running');
    if (options.emptyStore === true) {
      await rm(this.#storeDir, { recursive: true, force: true });
      await mkdir(this.#storeDir);
    }
    const child = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(this.#port), '-js', '-sd', this.#storeDir], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.#process = child;
    let log = '';
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`nats-server did not start:\n${log}`)), START_TIMEOUT_MS);
      child.stderr.on('data', (chunk: Buffer) => {
        log += chunk.toString('utf8');
        const port = LISTENING.exec(log)?.[1];
        if (port !== undefined) this.#port = Number(port);
        if (READY.test(log)) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`nats-server exited with ${String(code)}:\n${log}`));
      });
    });
    try {
      await ready;
    } catch (error) {
      this.#process = undefined;
      throw error;
    }
  }

  /** Freezes the server (SIGSTOP): it keeps accepting TCP connections and answers nothing. */
  pause(): void {
    this.#process?.kill('SIGSTOP');
  }

  /** Thaws a paused server (SIGCONT). */
  resume(): void {
    this.#process?.kill('SIGCONT');
  }

  /** Kills the server (SIGKILL: no goodbye to clients). */
  async kill(): Promise<void> {
    const child = this.#process;
    if (child === undefined) return;
    this.#process = undefined;
    if (child.exitCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    }
  }

  async close(): Promise<void> {
    await this.kill();
    await rm(this.#storeDir, { recursive: true, force: true });
  }
}
