/**
 * `switchboard start --workers N`: N worker processes share one port (node:cluster hands each new
 * TCP connection to a worker in turn) and join each other over the configured bus, exactly as
 * separate nodes would. The primary only supervises: it restarts a worker that dies, forwards
 * SIGTERM/SIGINT for a graceful shutdown and SIGHUP for a TLS certificate reload, and exits 0 when
 * every worker has exited. It also serves the one admin listener of the box, with every worker's
 * metrics summed (admin/worker-metrics.ts) and the apps API (admin/primary-apps.ts).
 */
import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import { AdminListener } from './admin/admin-listener.js';
import { metricsRoute, readyRoute } from './admin/admin-routes.js';
import { appsRoutes } from './admin/apps-routes.js';
import { primaryAppManager } from './admin/primary-apps.js';
import { clusterExposition } from './admin/worker-metrics.js';
import type { Config } from './config/schema.js';
import { clusterDriverOf } from './cluster/drivers.js';
import type { Logger } from './shared/logger.js';
import { loadTls, tlsFilesOf } from './http/tls-files.js';

export class WorkersError extends Error {
  override readonly name = 'WorkersError';
}

/** Workers to run: the flag, else `workers`, else one per core with a bus and one without. */
export function workerCount(config: Config, flag: number | undefined): number {
  const bus = clusterDriverOf(config) !== 'memory';
  const count = flag ?? config.workers ?? (bus ? availableParallelism() : 1);
  if (count > 1 && !bus) {
    throw new WorkersError(
      `--workers ${count} needs a bus so the workers share state: set redis.url or nats.servers ` +
        '(SWITCHBOARD_REDIS_URL / SWITCHBOARD_NATS_SERVERS), or run one worker',
    );
  }
  return count;
}

/** A worker that dies within this long of its start is not restarted at once (crash loop). */
const RESTART_BACKOFF_MS = 1_000;

/**
 * Checks the TLS files (rejecting with a TlsFileError: each worker reads them again, and a worker
 * that failed at its start would be restarted forever), binds the admin listener (rejecting with
 * an AdminListenError), then starts the workers. `exit` ends the process (the command line passes
 * one that first flushes the log output).
 */
export async function runPrimary(
  count: number,
  config: Config,
  logger: Logger,
  exit: (code: number) => void = (code) => process.exit(code),
): Promise<void> {
  let stopping = false;
  let listening = 0;
  /** Workers serving (their SIGHUP handler is in), and those owed a SIGHUP once they serve. */
  const serving = new Set<number>();
  const reloadWhenServing = new Set<number>();
  const tlsFiles = tlsFilesOf(config);
  process.on('SIGHUP', () => {
    if (tlsFiles === undefined) {
      logger.info({ signal: 'SIGHUP' }, 'TLS is not configured (tls.cert, tls.key): nothing to reload');
      return;
    }
    const workers = Object.values(cluster.workers ?? {}).filter((worker) => worker !== undefined);
    logger.info({ signal: 'SIGHUP', workers: workers.length }, 'signal received: every worker reloads the TLS certificate');
    for (const worker of workers) {
      if (serving.has(worker.id)) worker.process.kill('SIGHUP');
      else reloadWhenServing.add(worker.id);
    }
  });
  if (tlsFiles !== undefined) await loadTls(tlsFiles);
  const admin = config.admin.enabled
    ? new AdminListener({
        host: config.admin.host,
        port: config.admin.port,
        token: config.admin.token,
        logger,
        routes: [
          metricsRoute(clusterExposition()),
          readyRoute(() => !stopping && listening > 0),
          ...appsRoutes(primaryAppManager(config, logger, () => Object.values(cluster.workers ?? {}).filter((worker) => worker !== undefined))),
        ],
      })
    : undefined;
  await admin?.listen();
  const startedAt = new Map<number, number>();
  const fork = (): void => {
    const worker = cluster.fork();
    startedAt.set(worker.id, Date.now());
  };
  cluster.on('exit', (worker: Worker, code: number | null, signal: string | null) => {
    const started = startedAt.get(worker.id) ?? 0;
    startedAt.delete(worker.id);
    serving.delete(worker.id);
    reloadWhenServing.delete(worker.id);
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) exit(0);
      return;
    }
    logger.error({ worker: worker.id, code, signal }, 'worker died; starting a new one');
    const lived = Date.now() - started;
    setTimeout(fork, lived < RESTART_BACKOFF_MS ? RESTART_BACKOFF_MS : 0);
  });
  cluster.on('listening', (worker: Worker) => {
    listening += 1;
    serving.add(worker.id);
    if (reloadWhenServing.delete(worker.id)) worker.process.kill('SIGHUP');
    if (listening === count) logger.info({ workers: count }, `all ${count} workers are serving`);
  });
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'signal received: stopping the workers');
    setTimeout(() => exit(0), (config.shutdownGracePeriod + 3) * 1000).unref();
    const workers = Object.values(cluster.workers ?? {});
    if (workers.length === 0) exit(0);
    for (const worker of workers) worker?.process.kill('SIGTERM');
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  logger.info({ workers: count, cluster: clusterDriverOf(config) }, `starting ${count} workers`);
  for (let index = 0; index < count; index += 1) fork();
}
