/**
 * A private PostgreSQL on a free port with its own temporary data directory, for tests that stop
 * and restart the app store's database (the shared one must stay up for everyone else). Uses the
 * binaries of the machine's PostgreSQL package (initdb, pg_ctl); PostgreSQL refuses to run as
 * root, so as root they run as the `postgres` user.
 */
import { execFile } from 'node:child_process';
import { chown, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './redis-server.js';

const run = promisify(execFile);
const POSTGRES_ROOT = '/usr/lib/postgresql';

async function binDirectory(): Promise<string> {
  const versions = (await readdir(POSTGRES_ROOT)).filter((name) => /^\d+$/.test(name)).sort((a, b) => Number(b) - Number(a));
  const [newest] = versions;
  if (newest === undefined) throw new Error(`no PostgreSQL under ${POSTGRES_ROOT}`);
  return join(POSTGRES_ROOT, newest, 'bin');
}

export class PrivatePostgres {
  readonly port: number;
  readonly #dir: string;
  readonly #bin: string;

  private constructor(port: number, dir: string, bin: string) {
    this.port = port;
    this.#dir = dir;
    this.#bin = bin;
  }

  /** Creates the cluster (initdb, trust authentication) and starts it. */
  static async start(): Promise<PrivatePostgres> {
    const dir = await mkdtemp(join(tmpdir(), 'sb-postgres-'));
    const postgres = new PrivatePostgres(await freePort(), dir, await binDirectory());
    if (userInfo().uid === 0) {
      const { stdout } = await run('id', ['-u', 'postgres']);
      const { stdout: group } = await run('id', ['-g', 'postgres']);
      await chown(dir, Number(stdout.trim()), Number(group.trim()));
    }
    await postgres.#run('initdb', ['-D', postgres.#data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
    await postgres.restart();
    return postgres;
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  /** Starts the server (again) on the same port and data; resolves once it accepts connections. */
  async restart(): Promise<void> {
    const options = `-p ${this.port} -k ${this.#dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
    await this.#run('pg_ctl', ['-D', this.#data, '-l', join(this.#dir, 'server.log'), '-o', options, '-w', 'start']);
  }

  /** Fast shutdown: open connections are cut, as in an outage. */
  async stop(): Promise<void> {
    await this.#run('pg_ctl', ['-D', this.#data, '-m', 'fast', '-w', 'stop']);
  }

  /** Stops it if running and removes its data. */
  async destroy(): Promise<void> {
    await this.stop().catch(() => undefined);
    await rm(this.#dir, { recursive: true, force: true });
  }

  get #data(): string {
    return join(this.#dir, 'data');
  }

  async #run(program: string, args: string[]): Promise<void> {
    const path = join(this.#bin, program);
    if (userInfo().uid === 0) await run('runuser', ['-u', 'postgres', '--', path, ...args]);
    else await run(path, args);
  }
}
