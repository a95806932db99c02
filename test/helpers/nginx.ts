/** Debian's nginx in front of a test's Switchboard, with the nginx block of docs/deployment.md. */
import { watch } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { documentedBlock, ProxyProcess, replaceOnce, temporaryDirectory } from './proxy-process.js';
import { freePort } from './redis-server.js';

/** Where Debian's package installs it (.ci/run installs it when missing). */
export const NGINX = '/usr/sbin/nginx';

/** The documented block, as written (it belongs in nginx's `http` context). */
export function documentedNginxSite(): Promise<string> {
  return documentedBlock('nginx-site');
}

/** Starts nginx on a free loopback port, proxying to Switchboard on `upstreamPort`. */
export async function startNginx(site: string, upstreamPort: number): Promise<ProxyProcess> {
  const port = await freePort();
  const dir = await temporaryDirectory('nginx');
  const bound = replaceOnce(replaceOnce(site, 'listen 80;', `listen 127.0.0.1:${port};`), 'server 127.0.0.1:6001;', `server 127.0.0.1:${upstreamPort};`);
  const configFile = join(dir, 'nginx.conf');
  await writeFile(configFile, mainConfig(dir, bound));
  // Armed before the spawn: on a loaded machine nginx can bind and write its pid file before a
  // watcher made after the spawn would exist, and that write would go unseen.
  const pidFile = watchPidFile(dir);
  return ProxyProcess.start(port, {
    command: NGINX,
    args: ['-c', configFile, '-p', dir, '-e', 'stderr'],
    dir,
    // Fast shutdown: open connections are closed, not waited for.
    stopSignal: 'SIGTERM',
    ready: () => pidFile.written,
    cancelReady: () => pidFile.cancel(),
  });
}

interface PidFileWatch {
  /** Resolves once nginx has written its pid file: it does so once its listening sockets are bound. */
  readonly written: Promise<void>;
  readonly cancel: () => void;
}

function watchPidFile(dir: string): PidFileWatch {
  const watcher = watch(dir);
  const written = new Promise<void>((resolve) => {
    watcher.on('change', (_kind, name) => {
      if (name !== 'nginx.pid') return;
      watcher.close();
      resolve();
    });
  });
  return { written, cancel: () => watcher.close() };
}

/** The main context around the documented block: everything in the test's own directory. */
function mainConfig(dir: string, site: string): string {
  // Run as root (CI), nginx would switch its worker to `nobody`, who cannot use this directory.
  const user = process.getuid?.() === 0 ? 'user root;\n' : '';
  return `daemon off;
master_process on;
worker_processes 1;
${user}pid ${join(dir, 'nginx.pid')};
error_log stderr warn;
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
