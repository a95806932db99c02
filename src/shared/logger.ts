/**
 * The logger the core writes to: pino's interface, injected by the composition root. The
 * command line's logger writes JSON lines to stdout through a LogWriter (bounded, asynchronous:
 * see log-writer.ts and docs/logging.md).
 */
import cluster from 'node:cluster';
import { pino, type Logger } from 'pino';
import { LogWriter } from './log-writer.js';

export type { Logger };

/** Default of log.maxBufferedBytes. */
export const DEFAULT_LOG_BUFFER_BYTES = 4 * 1024 * 1024;

export interface StdoutLogger {
  readonly logger: Logger;
  /** Its output: flush before exiting; droppedLines for metrics. */
  readonly output: LogWriter;
}

const BASE = { service: 'switchboard', pid: process.pid };

export function createStdoutLogger(level: string, maxBufferedBytes = DEFAULT_LOG_BUFFER_BYTES): StdoutLogger {
  const output = new LogWriter({ maxBufferedBytes, base: BASE });
  // A worker's stdout is its primary's, shared with every other worker.
  if (cluster.isWorker) output.shareWithOtherProcesses();
  return { logger: pino({ level, base: BASE }, output), output };
}

export function createLogger(level: string): Logger {
  return createStdoutLogger(level).logger;
}

export const silentLogger: Logger = pino({ level: 'silent' });
