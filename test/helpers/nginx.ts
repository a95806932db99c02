/**
 * Debian's nginx as a child process of the test (never the system service), in a temporary
 * directory of its own (pid file, error log, temp paths), serving the nginx block documented in
 * docs/deployment.md with only its listen port and upstream port changed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { watch } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './cli.js';
import { freePort } from './redis-server.js';

/** Where Debian's package installs it (.ci/run installs it when missing). */
export const NGINX = '/usr/sbin/nginx';

const SITE_BLOCK = /<!-- nginx-site:begin[^>]*-->\s*```nginx\n([\s\S]*?)```\s*<!-- nginx-site:end -->/;
/** The two lines of the documented block that name this machine's ports. */
const DOCUMENTED_LISTEN = 'listen 80;';
const DOCUMENTED_UPSTREAM = 'server 127.0.0.1:6001;';

/** The nginx block between the `nginx-site` markers of docs/deployment.md, as written there. */
export async function documentedNginxSite(): Promise<string> {
  const text = await readFile(join(REPO_ROOT, 'docs', 'deployment.md'), 'utf8');
  const site = SITE_BLOCK.exec(text)?.[1];
  if (site === undefined) throw new Error('docs/deployment.md has no ```nginx block between the nginx-site markers');
  return site;
}

function replaceOnce(text: string, from: string, to: string): string {
  const parts = text.split(from);
  if (parts.length !== 2) throw new Error(`the documented nginx block must contain "${from}" exactly once`);
  return parts.join(to);
}

export class PrivateNginx {
  readonly port: number;
  readonly #child: ChildProcess;
  readonly #dir: string;

  private constructor(port: number, child: ChildProcess, dir: string) {
    this.port = port;
    this.#child = child;
    this.#dir = dir;
  }

  /** Starts nginx on a free loopback port with `site` proxying to `upstreamPort`; resolves once it listens. */
  static async start(site: string, upstreamPort: number): Promise<PrivateNginx> {
    const port = await freePort();
    const dir = await mkdtemp(join(tmpdir(), 'switchboard-nginx-'));
    const bound = replaceOnce(replaceOnce(site, DOCUMENTED_LISTEN, `listen 127.0.0.1:${port};`), DOCUMENTED_UPSTREAM, `server 127.0.0.1:${upstreamPort};`);
    const configFile = join(dir, 'nginx.conf');
    await writeFile(configFile, mainConfig(dir, bound));
    // nginx writes its pid file once its listening sockets are bound: from then on connections queue.
    const watcher = watch(dir);
    const written = new Promise<void>((resolve) =>
      watcher.on('change', (_kind, name) => {
        if (name === 'nginx.pid') resolve();
      }),
    );
    const child = spawn(NGINX, ['-c', configFile, '-p', dir, '-e', join(dir, 'error.log')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    // Raced only while starting; an exit after that is the stop.
    const failed = new Promise<never>((_resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => {
        void readFile(join(dir, 'error.log'), 'utf8')
          .catch(() => '')
          .then((log) => reject(new Error(`nginx exited with ${String(code)}: ${stderr}${log}`)));
      });
    });
    failed.catch(() => undefined);
    try {
      await Promise.race([written, failed]);
    } finally {
      watcher.close();
    }
    return new PrivateNginx(port, child, dir);
  }

  /** Fast shutdown (SIGTERM: open connections are closed), then the directory is removed. */
  async stop(): Promise<void> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) {
      const exited = once(this.#child, 'exit');
      this.#child.kill('SIGTERM');
      await exited;
    }
    await rm(this.#dir, { recursive: true, force: true });
  }
}

/** The main context around the documented block: everything in the test's own directory. */
function mainConfig(dir: string, site: string): string {
  // Run as root (CI), nginx would switch its worker to `nobody`, who cannot use this directory.
  const user = process.getuid?.() === 0 ? 'user root;\n' : '';
  return `daemon off;
master_process on;
worker_processes 1;
${user}pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} warn;
events { worker_connections 512; }
http {
  access_log off;
  client_body_temp_path ${join(dir, 'client_body')};
  proxy_temp_path ${join(dir, 'proxy')};
  fastcgi_temp_path ${join(dir, 'fastcgi')};
  uwsgi_temp_path ${join(dir, 'uwsgi')};
  scgi_temp_path ${join(dir, 'scgi')};
${site}
}
`;
}
