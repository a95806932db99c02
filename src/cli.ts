/**
 * `switchboard start [--config FILE] [--host H] [--port N]`: loads and validates the
 * configuration, serves until SIGTERM/SIGINT, then shuts down gracefully and exits 0.
 */
import cluster from 'node:cluster';
import { parseArgs } from 'node:util';
import { AdminListenError } from './admin/admin-listener.js';
import { shareWorkerMetrics } from './admin/worker-metrics.js';
import { ConfigError, loadConfig } from './config/load.js';
import { EnvError } from './config/env.js';
import { createLogger } from './core/logger.js';
import { Switchboard } from './server.js';
import { VERSION } from './version.js';
import { runPrimary, workerCount, WorkersError } from './workers.js';

const USAGE = `Usage: switchboard <command> [options]

Commands:
  start              Run the server (default: development app on 127.0.0.1:6001)
  bench              Benchmark against the baseline (source checkout; see bench/README.md)

Options for start:
  --config FILE      JSON config file (also SWITCHBOARD_CONFIG)
  --host HOST        Interface to listen on (also SWITCHBOARD_HOST)
  --port PORT        Port to listen on (also SWITCHBOARD_PORT)
  --workers N        Worker processes sharing the port (also SWITCHBOARD_WORKERS);
                     default one per core with redis.url or nats.servers set, else 1

  -h, --help         Show this help
  -v, --version      Show the version

Configuration reference: docs/configuration.md`;

function fail(message: string): never {
  process.stderr.write(`switchboard: ${message}\n`);
  process.exit(2);
}

async function start(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { config: { type: 'string' }, host: { type: 'string' }, port: { type: 'string' }, workers: { type: 'string' } },
    strict: true,
  });
  let port: number | undefined;
  if (values.port !== undefined) {
    port = Number(values.port);
    if (!/^\d+$/.test(values.port) || port > 65_535) fail(`--port must be a number from 0 to 65535, got "${values.port}"`);
  }
  let workersFlag: number | undefined;
  if (values.workers !== undefined) {
    workersFlag = Number(values.workers);
    if (!/^\d+$/.test(values.workers) || workersFlag < 1) fail(`--workers must be a positive number, got "${values.workers}"`);
  }
  const { config, developmentApp } = await loadConfig({
    env: process.env,
    configFile: values.config,
    host: values.host,
    port,
  });
  const logger = createLogger(config.log.level);
  if (cluster.isPrimary) {
    const workers = workerCount(config, workersFlag);
    if (workers > 1) return runPrimary(workers, config, logger);
  }
  // A worker's metrics are served by the primary's admin listener, summed with the others'.
  const server = await Switchboard.create(config, { logger, developmentApp, adminListener: cluster.isPrimary && config.admin.enabled });
  if (cluster.isWorker) shareWorkerMetrics(server.metrics.registry);

  // Handlers go in before listening, so a signal right after the "listening" line is graceful.
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'signal received');
    // The close is bounded by the grace period; this timer is a last resort if something hangs.
    setTimeout(() => process.exit(0), (config.shutdownGracePeriod + 2) * 1000).unref();
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  await server.start();
}

export async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (command === '-v' || command === '--version') {
    process.stdout.write(`${VERSION}\n`);
    return;
  }
  try {
    if (command === 'start') return await start(rest);
    // Loaded on demand: the benchmark is a development tool, not part of the server.
    if (command === 'bench') return await (await import('../bench/main.js')).runBench(rest);
  } catch (error) {
    if (error instanceof ConfigError || error instanceof EnvError || error instanceof WorkersError || error instanceof AdminListenError) {
      fail(error.message);
    }
    if (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) {
      fail(`${error.message}\n\n${USAGE}`);
    }
    if (error instanceof Error && 'code' in error && error.code === 'EADDRINUSE') fail(error.message);
    throw error;
  }
  fail(`unknown command "${command}"\n\n${USAGE}`);
}
