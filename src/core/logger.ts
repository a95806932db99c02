/** The logger the core writes to: pino's interface, injected by the composition root. */
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'switchboard', pid: process.pid } });
}

export const silentLogger: Logger = pino({ level: 'silent' });
