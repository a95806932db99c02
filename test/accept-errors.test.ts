/**
 * Running out of file descriptors (EMFILE): the process stays up, says so once in its log (not
 * once per refused connection), `/ready` answers 503 meanwhile on a connection it already holds,
 * and it serves normally again once descriptors are free. Run for real, under `ulimit -n`.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { startCli } from './helpers/cli.js';
import { eventually } from './helpers/wait.js';

// Enough for the module loader at boot (it opens many files at once), far below a real limit.
const OPEN_FILE_LIMIT = 512;
/** Far more connections than the process can hold under the limit. */
const FLOOD = 1_200;

/** A keep-alive HTTP client on one connection, asking GET /ready again and again. */
class ReadyProbe {
  readonly #socket: Socket;
  #text = '';
  #waiter: ((status: number) => void) | undefined;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.#text += chunk.toString('latin1');
      const end = this.#text.indexOf('}');
      if (end === -1 || this.#waiter === undefined) return;
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(this.#text)?.[1] ?? 0);
      this.#text = this.#text.slice(end + 1);
      const waiter = this.#waiter;
      this.#waiter = undefined;
      waiter(status);
    });
  }

  static open(port: number): Promise<ReadyProbe> {
    const socket = connect(port, '127.0.0.1');
    return new Promise((resolve, reject) => {
      socket.once('connect', () => resolve(new ReadyProbe(socket)));
      socket.once('error', reject);
    });
  }

  status(): Promise<number> {
    return new Promise((resolve) => {
      this.#waiter = resolve;
      this.#socket.write('GET /ready HTTP/1.1\r\nHost: switchboard\r\n\r\n');
    });
  }

  close(): void {
    this.#socket.destroy();
  }
}

describe('out of file descriptors', () => {
  it('stays up, logs it once, says 503 on /ready meanwhile, and serves again afterwards', async () => {
    const cli = await startCli(['start', '--port', '0'], { SWITCHBOARD_LOG_LEVEL: 'info' }, 'node', { openFileLimit: OPEN_FILE_LIMIT });
    try {
      const probe = await ReadyProbe.open(cli.port);
      assert.equal(await probe.status(), 200);

      const flood: Socket[] = [];
      for (let index = 0; index < FLOOD; index += 1) {
        const socket = connect(cli.port, '127.0.0.1');
        socket.on('error', () => undefined);
        flood.push(socket);
      }
      await eventually(async () => (await probe.status()) === 503, '/ready says 503 while descriptors are exhausted');
      const failures = () => cli.lines.filter((line) => line.includes('out of file descriptors') && line.includes('failed')).length;
      await eventually(() => failures() > 0, 'the exhaustion is logged');

      for (const socket of flood) socket.destroy();
      await eventually(async () => (await probe.status()) === 200, '/ready says 200 again');
      const fresh = await ReadyProbe.open(cli.port);
      assert.equal(await fresh.status(), 200, 'a new connection is served');
      fresh.close();
      probe.close();
      // Log lines reach stdout asynchronously (within 10 ms): the recovery line may trail /ready.
      await eventually(() => cli.lines.some((line) => line.includes('works again')), 'the recovery is logged');
      assert.equal(failures(), 1, `logged once, not once per refused connection:\n${cli.lines.join('\n')}`);
      assert.equal(cli.child.exitCode, null, 'the process is still up');
    } finally {
      cli.signal('SIGTERM');
      assert.equal(await cli.exited, 0);
    }
  });
});
