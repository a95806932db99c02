/**
 * A reverse proxy (Debian's nginx or Caddy) run by a test as its own child process, never as the
 * system service, in a temporary directory of its own, with the site block documented in
 * docs/deployment.md: only the block's listen address and upstream port are changed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './cli.js';

/** The fenced block between `<!-- {name}:begin ... -->` and `<!-- {name}:end -->` in docs/deployment.md. */
export async function documentedBlock(name: string): Promise<string> {
  const text = await readFile(join(REPO_ROOT, 'docs', 'deployment.md'), 'utf8');
  const block = new RegExp(`<!-- ${name}:begin[^>]*-->\\s*\`\`\`\\w+\\n([\\s\\S]*?)\`\`\`\\s*<!-- ${name}:end -->`).exec(text)?.[1];
  if (block === undefined) throw new Error(`docs/deployment.md has no fenced block between the ${name} markers`);
  return block;
}

/** `text` with `from`, which must occur exactly once, replaced by `to`. */
export function replaceOnce(text: string, from: string, to: string): string {
  const parts = text.split(from);
  if (parts.length !== 2) throw new Error(`the documented block must contain "${from}" exactly once`);
  return parts.join(to);
}

export function temporaryDirectory(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `switchboard-${prefix}-`));
}

/** A proxy that is not accepting connections by then will not be: fail with its output instead of hanging. */
const READY_WITHIN_MS = 20_000;

export interface StartProcessOptions {
  readonly command: string;
  readonly args: readonly string[];
  readonly dir: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Resolves once the proxy accepts connections (it has just been spawned; its stderr is given). */
  readonly ready: (stderr: Readable) => Promise<void>;
  /** Releases what `ready` holds when the start fails (a watcher armed before the spawn). */
  readonly cancelReady?: () => void;
  /** How the proxy is stopped; it must not wait for open connections. */
  readonly stopSignal: NodeJS.Signals;
}

export class ProxyProcess {
  readonly port: number;
  readonly #child: ChildProcess;
  readonly #dir: string;
  readonly #stopSignal: NodeJS.Signals;

  private constructor(port: number, child: ChildProcess, dir: string, stopSignal: NodeJS.Signals) {
    this.port = port;
    this.#child = child;
    this.#dir = dir;
    this.#stopSignal = stopSignal;
  }

  /** Spawns the proxy listening on `port`; rejects with its output if it exits before it is ready. */
  static async start(port: number, options: StartProcessOptions): Promise<ProxyProcess> {
    const child = spawn(options.command, options.args, { cwd: options.dir, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (chunk: Buffer): void => {
      if (output.length < 64 * 1024) output += chunk.toString('utf8');
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    // Raced only while starting; an exit after that is the stop.
    const failed = new Promise<never>((_resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`${options.command} exited with ${String(code)}:\n${output}`)));
    });
    failed.catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`${options.command} not ready within ${READY_WITHIN_MS} ms:\n${output}`)), READY_WITHIN_MS);
    });
    try {
      await Promise.race([options.ready(child.stderr), failed, late]);
    } catch (error) {
      options.cancelReady?.();
      child.kill('SIGKILL');
      await rm(options.dir, { recursive: true, force: true });
      throw error;
    } finally {
      clearTimeout(timer);
    }
    return new ProxyProcess(port, child, options.dir, options.stopSignal);
  }

  async stop(): Promise<void> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) {
      const exited = once(this.#child, 'exit');
      this.#child.kill(this.#stopSignal);
      await exited;
    }
    await rm(this.#dir, { recursive: true, force: true });
  }
}
