/**
 * `switchboard start [--config FILE] [--host H] [--port N]`: loads and validates the
 * configuration, serves until SIGTERM/SIGINT, then shuts down gracefully and exits 0. SIGHUP
 * reloads the TLS certificate (and only logs when TLS is not configured).
 * `switchboard config check [...]`: validates the same way (TLS files included) and prints the
 * result, redacted.
 * `switchboard apps ...` and `switchboard migrate`: the app store and the storage layer (cli-apps.ts).
 * Usage errors and invalid configurations exit 2 with the message on stderr.
 */
import cluster from 'node:cluster';
import { parseArgs } from 'node:util';
import { AdminListenError } from './admin/admin-listener.js';
import { ConfigError, loadConfig, type LoadOptions } from './config/load.js';
import { redactConfig } from './config/redact.js';
import { EnvError } from './config/env.js';
import type { LogWriter } from './shared/log-writer.js';
import { createStdoutLogger, type Logger } from './shared/logger.js';
import { loadTls, TlsFileError, tlsFilesOf } from './http/tls-files.js';
import type { Switchboard } from './server.js';
import { VERSION } from './shared/version.js';

const START_OPTIONS = `Options for start:
  --config FILE      JSON config file (also SWITCHBOARD_CONFIG)
  --host HOST        Interface to listen on (also SWITCHBOARD_HOST)
  --port PORT        Port to listen on (also SWITCHBOARD_PORT)
  --workers N        Worker processes sharing the port (also SWITCHBOARD_WORKERS);
                     default one per core with redis.url or nats.servers set, else 1`;

const START_USAGE = `Usage: switchboard start [options]

Runs the server until SIGTERM or SIGINT, then shuts down gracefully. SIGHUP reloads
the TLS certificate files (tls.cert, tls.key, tls.ca) without dropping a connection.
Without a config, serves the development app on 127.0.0.1:6001 (loopback only).

${START_OPTIONS}
  -h, --help         Show this help

Configuration reference: docs/configuration.md`;

const CONFIG_CHECK_USAGE = `Usage: switchboard config check [options]

Validates the configuration exactly as start would (defaults, config file, environment, flags,
the TLS files) and prints the effective configuration as JSON with secrets redacted. Exits 0 when it is valid,
2 with the reason otherwise; warnings go to stderr.

Options:
  --config FILE      JSON config file (also SWITCHBOARD_CONFIG)
  --host HOST        Interface to listen on (also SWITCHBOARD_HOST)
  --port PORT        Port to listen on (also SWITCHBOARD_PORT)
  -h, --help         Show this help`;

const USAGE = `Usage: switchboard <command> [options]

Commands:
  start              Run the server (default: development app on 127.0.0.1:6001)
  config check       Validate the configuration and print it, secrets redacted
  apps ...           Manage the apps in the app store: list, get, create, update, delete,
                     rotate-secret (switchboard apps --help)
  migrate            Create or migrate the app store's table (appStore.url) and the storage (storage.url)

${START_OPTIONS}

  -h, --help         Show this help (also after a command: switchboard start --help)
  -v, --version      Show the version

Configuration reference: docs/configuration.md`;

/** How long the process waits for its last log lines to be written before exiting anyway. */
const LOG_FLUSH_TIMEOUT_MS = 2_000;

/** The running server's log output, flushed (bounded) on every exit path. */
let logOutput: LogWriter | undefined;

function exitAfterFlush(code: number): void {
  const exit = (): never => process.exit(code);
  if (logOutput === undefined) exit();
  else void logOutput.flush(LOG_FLUSH_TIMEOUT_MS).then(exit);
}

function fail(message: string): never {
  process.stderr.write(`switchboard: ${message}\n`);
  process.exit(2);
}

const CONFIG_OPTIONS = {
  config: { type: 'string' },
  host: { type: 'string' },
  port: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function parsePort(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65_535) fail(`--port must be a number from 0 to 65535, got "${value}"`);
  return port;
}

function loadOptions(values: { config?: string | undefined; host?: string | undefined; port?: string | undefined }): LoadOptions {
  return { env: process.env, configFile: values.config, host: values.host, port: parsePort(values.port) };
}

async function configCheck(args: string[]): Promise<void> {
  const [subcommand, ...rest] = args;
  if (subcommand !== 'check') fail(`unknown config command "${subcommand ?? ''}"\n\n${CONFIG_CHECK_USAGE}`);
  const { values } = parseArgs({ args: rest, options: CONFIG_OPTIONS, strict: true });
  if (values.help === true) {
    process.stdout.write(`${CONFIG_CHECK_USAGE}\n`);
    return;
  }
  const { config, warnings } = await loadConfig(loadOptions(values));
  const tlsFiles = tlsFilesOf(config);
  const tls = tlsFiles === undefined ? undefined : await loadTls(tlsFiles);
  for (const warning of [...warnings, ...(tls?.validityProblem === undefined ? [] : [tls.validityProblem])]) {
    process.stderr.write(`switchboard: warning: ${warning}\n`);
  }
  process.stdout.write(`${JSON.stringify(redactConfig(config), null, 2)}\n`);
}

async function start(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { ...CONFIG_OPTIONS, workers: { type: 'string' } }, strict: true });
  if (values.help === true) {
    process.stdout.write(`${START_USAGE}\n`);
    return;
  }
  let workersFlag: number | undefined;
  if (values.workers !== undefined) {
    workersFlag = Number(values.workers);
    if (!/^\d+$/.test(values.workers) || workersFlag < 1) fail(`--workers must be a positive number, got "${values.workers}"`);
  }
  const { config, developmentApp, warnings } = await loadConfig(loadOptions(values));
  const { logger, output } = createStdoutLogger(config.log.level, config.log.maxBufferedBytes);
  logOutput = output;
  const fatal = (error: unknown): void => {
    logger.fatal({ err: error }, 'fatal error: exiting');
    exitAfterFlush(1);
  };
  process.on('uncaughtException', fatal);
  process.on('unhandledRejection', fatal);
  // Loaded here, not at the top: help and `config check` start without the server's dependencies.
  const { runPrimary, workerCount } = await import('./workers.js');
  if (cluster.isPrimary) {
    for (const warning of warnings) logger.warn(warning);
    const workers = workerCount(config, workersFlag);
    if (workers > 1) {
      output.shareWithOtherProcesses();
      return runPrimary(workers, config, logger, exitAfterFlush);
    }
  }
  const serveReloads = reloadOnSighup(logger);
  const { Switchboard } = await import('./server.js');
  // A worker's metrics are served by the primary's admin listener, summed with the others'.
  const server = await Switchboard.create(config, {
    logger,
    logOutput: output,
    developmentApp,
    adminListener: cluster.isPrimary && config.admin.enabled,
  });
  serveReloads(server);
  if (cluster.isWorker) (await import('./admin/worker-metrics.js')).shareWorkerMetrics(server.metrics.registry);
  if (cluster.isWorker) {
    const { onAppChangeMessage } = await import('./admin/primary-apps.js');
    onAppChangeMessage(process, (appId, keys) => {
      server.announceAppChange(appId, keys).catch((error: unknown) => logger.warn({ err: error, app: appId }, 'app change not announced'));
    });
  }

  // Handlers go in before listening, so a signal right after the "listening" line is graceful.
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'signal received');
    // The close is bounded by the grace period; this timer is a last resort if something hangs.
    setTimeout(() => exitAfterFlush(0), (config.shutdownGracePeriod + 2) * 1000).unref();
    server.close().then(
      () => exitAfterFlush(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        exitAfterFlush(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  await server.start();
}

/**
 * SIGHUP reloads the TLS certificate. The handler goes in before anything listens, so the signal
 * never kills a starting server; one that arrives during the start is applied once the server
 * exists (the files may have changed after they were read). Returns the call that hands it the
 * server.
 */
function reloadOnSighup(logger: Logger): (server: Switchboard) => void {
  let server: Switchboard | undefined;
  let requested = false;
  const reload = (): void => {
    if (server === undefined) {
      requested = true;
      return;
    }
    logger.info({ signal: 'SIGHUP' }, 'signal received: reloading the TLS certificate');
    void server.reloadTls().then((outcome) => {
      if (outcome === 'no-tls') logger.info({ signal: 'SIGHUP' }, 'TLS is not configured (tls.cert, tls.key): nothing to reload');
    });
  };
  process.on('SIGHUP', reload);
  return (started) => {
    server = started;
    if (requested) reload();
  };
}

/** By name: workers.js and server.js (and so their errors) are only loaded by `start`. */
function isWorkersError(error: unknown): error is Error {
  return error instanceof Error && (error.name === 'WorkersError' || error.name === 'AppStoreBootError');
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
    if (command === 'config') return await configCheck(rest);
    // Loaded on demand: the database drivers are not needed by the other commands.
    if (command === 'apps') return await (await import('./cli-apps.js')).appsCommand(rest);
    if (command === 'migrate') return await (await import('./cli-apps.js')).migrateCommand(rest);
  } catch (error) {
    // Lines logged before the failure (the development app warning, say) are written first.
    await logOutput?.flush(LOG_FLUSH_TIMEOUT_MS);
    if (
      error instanceof ConfigError ||
      error instanceof EnvError ||
      isWorkersError(error) ||
      error instanceof AdminListenError ||
      error instanceof TlsFileError
    ) {
      fail(error.message);
    }
    if (error instanceof Error && error.name === 'CliUsageError') fail(error.message);
    if (error instanceof Error && error.name === 'CliOperationError') {
      process.stderr.write(`switchboard: ${error.message}\n`);
      process.exit(1);
    }
    if (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) {
      fail(`${error.message}\n\n${USAGE}`);
    }
    if (error instanceof Error && 'code' in error && error.code === 'EADDRINUSE') fail(error.message);
    throw error;
  }
  // The benchmark and the examples run from a source checkout only: the package ships neither.
  if (command === 'bench') fail('the benchmark is not part of the package: in a source checkout, run npm run bench -- [options] (see bench/README.md)');
  if (command === 'example') fail('the examples are not part of the package: in a source checkout, run npm run example -- <name> (see examples/README.md)');
  fail(`unknown command "${command}"\n\n${USAGE}`);
}
