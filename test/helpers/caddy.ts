/** Debian's Caddy in front of a test's Switchboard, with the Caddyfile block of docs/deployment.md. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { documentedBlock, ProxyProcess, replaceOnce, temporaryDirectory } from './proxy-process.js';
import { freePort } from './redis-server.js';

/** Where Debian's package installs it (.ci/run installs it when missing). */
export const CADDY = '/usr/bin/caddy';

export function documentedCaddySite(): Promise<string> {
  return documentedBlock('caddy-site');
}

/**
 * Starts Caddy on a free loopback port (plain HTTP: an `http://` site address, so no certificate
 * is requested), proxying to Switchboard on `upstreamPort`. No admin endpoint, and its storage
 * and autosaved config in the test's directory.
 */
export async function startCaddy(site: string, upstreamPort: number): Promise<ProxyProcess> {
  const port = await freePort();
  const dir = await temporaryDirectory('caddy');
  const bound = replaceOnce(replaceOnce(site, 'realtime.example.com {', `http://127.0.0.1:${port} {`), '127.0.0.1:6001', `127.0.0.1:${upstreamPort}`);
  const configFile = join(dir, 'Caddyfile');
  await writeFile(configFile, `{\n\tadmin off\n}\n\n${bound}`);
  return ProxyProcess.start(port, {
    command: CADDY,
    args: ['run', '--config', configFile, '--adapter', 'caddyfile'],
    dir,
    env: { ...process.env, HOME: dir, XDG_DATA_HOME: join(dir, 'data'), XDG_CONFIG_HOME: join(dir, 'config') },
    // Not waiting for its graceful shutdown: the test closes its clients first and needs nothing after.
    stopSignal: 'SIGKILL',
    ready: (stderr) =>
      new Promise<void>((resolve) => {
        // Caddy logs JSON lines on stderr; this one comes once every listener is bound.
        createInterface({ input: stderr }).on('line', (line) => {
          if (line.includes('"serving initial configuration"')) resolve();
        });
      }),
  });
}
