/**
 * soketi (https://soketi.app), measured beside Switchboard with `--peer soketi`. Installed on
 * first use into bench/.peers/soketi (ignored by git; nothing of it is committed) with the npm
 * client: @soketi/soketi 1.6.1, whose uWebSockets.js comes from a git URL not reachable from
 * every machine, so an npm `overrides` entry maps it to a registry build that starts on Node 20.
 * Started with the benchmark's app through soketi's environment variables; with a bus, on the
 * same Redis or NATS as Switchboard (soketi's redis / nats adapter).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort, spawnServer } from './spawned.js';
import type { ClusterBus, RunningTarget, TargetSpec } from './targets.js';

export const SOKETI_VERSION = '1.6.1';
const PEERS_DIR = fileURLToPath(new URL('../../../bench/.peers/', import.meta.url));
const INSTALL_TIMEOUT_MS = 15 * 60_000;

const PACKAGE_JSON = {
  name: 'switchboard-bench-peer-soketi',
  private: true,
  description: 'Installed by the benchmark (--peer soketi); not part of Switchboard.',
  dependencies: { '@soketi/soketi': SOKETI_VERSION },
  overrides: { 'uWebSockets.js': 'npm:@trufflesuite/uws-js-unofficial@20.30.0-unofficial.0' },
};

/** The soketi entry point, installing it first when it is not there. */
export async function ensureSoketi(log: (line: string) => void): Promise<string> {
  const folder = join(PEERS_DIR, 'soketi');
  const entry = join(folder, 'node_modules', '@soketi', 'soketi', 'bin', 'server.js');
  if (existsSync(entry)) return entry;
  await mkdir(folder, { recursive: true });
  await writeFile(join(folder, 'package.json'), `${JSON.stringify(PACKAGE_JSON, null, 2)}\n`);
  log(`installing @soketi/soketi ${SOKETI_VERSION} into ${folder}`);
  await promisify(execFile)('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: folder, timeout: INSTALL_TIMEOUT_MS });
  if (!existsSync(entry)) throw new Error(`npm install did not produce ${entry}`);
  return entry;
}

function busEnv(bus: ClusterBus | undefined): Record<string, string> {
  if (bus === undefined) return {};
  if (bus.driver === 'redis') {
    return { SOKETI_ADAPTER_DRIVER: 'redis', SOKETI_DB_REDIS_HOST: '127.0.0.1', SOKETI_DB_REDIS_PORT: '6379', SOKETI_ADAPTER_REDIS_PREFIX: bus.prefix };
  }
  return { SOKETI_ADAPTER_DRIVER: 'nats', SOKETI_ADAPTER_NATS_SERVERS: '127.0.0.1:4222', SOKETI_ADAPTER_NATS_PREFIX: bus.prefix, SOKETI_ADAPTER_NATS_NODES_NUMBER: String(bus.nodes) };
}

/** One soketi process with the benchmark's app (client events on, limits off). */
export async function startSoketi(spec: TargetSpec, app: { id: string; key: string; secret: string }, bus: ClusterBus | undefined): Promise<RunningTarget> {
  const entry = await ensureSoketi((line) => process.stderr.write(`${line}\n`));
  const [port, metricsPort] = [await freePort(), await freePort()];
  return spawnServer(spec, {
    command: process.execPath,
    args: [entry, 'start'],
    port,
    app,
    env: {
      SOKETI_HOST: '127.0.0.1',
      SOKETI_PORT: String(port),
      SOKETI_METRICS_SERVER_PORT: String(metricsPort),
      SOKETI_DEBUG: '0',
      SOKETI_DEFAULT_APP_ID: app.id,
      SOKETI_DEFAULT_APP_KEY: app.key,
      SOKETI_DEFAULT_APP_SECRET: app.secret,
      SOKETI_DEFAULT_APP_ENABLE_CLIENT_MESSAGES: 'true',
      SOKETI_DEFAULT_APP_MAX_CONNS: '-1',
      SOKETI_DEFAULT_APP_MAX_BACKEND_EVENTS_PER_SEC: '-1',
      SOKETI_DEFAULT_APP_MAX_CLIENT_EVENTS_PER_SEC: '-1',
      SOKETI_DEFAULT_APP_MAX_READ_REQ_PER_SEC: '-1',
      SOKETI_PRESENCE_MAX_MEMBERS: '1000000',
      SOKETI_SHUTDOWN_GRACE_PERIOD: '1000',
      ...busEnv(bus),
    },
  });
}
