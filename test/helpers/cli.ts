/** Runs the real command line (`bin/switchboard.js` or `npx switchboard`) as a child process. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Waiters } from './wait.js';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface RunningCli {
  readonly child: ChildProcess;
  /** Every stdout line so far. */
  readonly lines: string[];
  readonly port: number;
  /** Resolves with the exit code (or the signal name). */
  readonly exited: Promise<number | string>;
  /** Signals the whole process group (npx runs the server as a grandchild). */
  signal(signal: NodeJS.Signals): void;
  /** Resolves once the stdout lines so far satisfy `condition` (re-checked on every new line). */
  until(condition: (lines: readonly string[]) => boolean): Promise<void>;
  /** The first stdout line from index `from` on that matches `pattern`, once it is printed. */
  lineMatching(pattern: RegExp, from?: number): Promise<string>;
}

export interface CliResult {
  readonly code: number | string;
  readonly stdout: string;
  readonly stderr: string;
}

function exitOf(child: ChildProcess): Promise<number | string> {
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
}

export interface StartCliOptions {
  /** Runs the server under `ulimit -n` this many open files (through bash). */
  readonly openFileLimit?: number;
}

/** Starts the server and resolves once it logs its listening address. */
export function startCli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  command: 'node' | 'npx' = 'node',
  options: StartCliOptions = {},
): Promise<RunningCli> {
  let program: string = command;
  let argv = command === 'npx' ? ['switchboard', ...args] : ['bin/switchboard.js', ...args];
  if (options.openFileLimit !== undefined) {
    // exec keeps one process, so signals and the exit code are the server's own.
    argv = ['-c', `ulimit -n ${options.openFileLimit} && exec ${command} "$@"`, command, ...argv];
    program = 'bash';
  }
  const child = spawn(program, argv, {
    cwd: REPO_ROOT,
    env: { ...cleanEnv(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const signal = (name: NodeJS.Signals): void => {
    if (child.pid !== undefined) process.kill(-child.pid, name);
  };
  const lines: string[] = [];
  const printed = new Waiters();
  const exited = exitOf(child);
  // A process that exits first fails the wait at once instead of leaving it to the test timeout.
  const until = (condition: (lines: readonly string[]) => boolean): Promise<void> =>
    Promise.race([
      printed.until(() => condition(lines)),
      exited.then((code) => Promise.reject(new Error(`switchboard exited (${code}) while a test waited for its output:\n${lines.join('\n')}`))),
    ]);
  const lineMatching = async (pattern: RegExp, from = 0): Promise<string> => {
    const matching = (): string | undefined => lines.slice(from).find((line) => pattern.test(line));
    await until(() => matching() !== undefined);
    return matching() ?? '';
  };
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    const reader = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    reader.on('line', (line) => {
      lines.push(line);
      printed.notify();
      const match = /Switchboard listening on [^\s"]+:(\d+)/.exec(line);
      if (match?.[1] !== undefined) resolve({ child, lines, port: Number(match[1]), exited, signal, until, lineMatching });
    });
    void exited.then((code) => reject(new Error(`switchboard exited (${code}) before listening: ${stderr}`)));
  });
}

/** Runs to completion (for commands that fail at once); `script`: another entry, e.g. the bench's. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}, script = 'bin/switchboard.js'): Promise<CliResult> {
  const child = spawn('node', [script, ...args], {
    cwd: REPO_ROOT,
    env: { ...cleanEnv(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return exitOf(child).then((code) => ({ code, stdout, stderr }));
}

/**
 * The parent's environment without SWITCHBOARD_* variables, which would leak into the child; the
 * admin listener on a free port, so servers started side by side never fight over 9601.
 */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { SWITCHBOARD_ADMIN_PORT: '0' };
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('SWITCHBOARD_')) env[key] = value;
  return env;
}
