/**
 * A real pino logger whose destination records every line it writes (parsed), so tests assert on
 * log output exactly as it would reach stdout, and await a line as an event.
 */
import { pino, type Logger } from 'pino';
import { Waiters } from './wait.js';

export interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly [field: string]: unknown;
}

export const LEVELS = { debug: 20, info: 30, warn: 40, error: 50 } as const;

export class LogCapture {
  readonly logger: Logger;
  readonly lines: LogLine[] = [];
  /** Every line exactly as written, for "never contains" checks. */
  readonly raw: string[] = [];
  readonly #waiters = new Waiters();

  constructor(level: 'debug' | 'info') {
    this.logger = pino(
      { level, base: { service: 'switchboard' } },
      {
        write: (line: string) => {
          this.raw.push(line);
          this.lines.push(JSON.parse(line) as LogLine);
          this.#waiters.notify();
        },
      },
    );
  }

  /** Lines with this message whose fields include `fields`. */
  all(msg: string, fields: Record<string, unknown> = {}): LogLine[] {
    return this.lines.filter((line) => line.msg === msg && Object.entries(fields).every(([key, value]) => line[key] === value));
  }

  /** Resolves with the first such line, once it has been written. */
  async line(msg: string, fields: Record<string, unknown> = {}): Promise<LogLine> {
    await this.#waiters.until(() => this.all(msg, fields).length > 0);
    return this.all(msg, fields)[0] as LogLine;
  }
}
