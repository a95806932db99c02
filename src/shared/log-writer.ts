/**
 * Where log lines go: standard output (fd 1), written asynchronously with a bounded buffer.
 *
 * Contract: `write` never blocks and never grows memory past `maxBufferedBytes`. Lines are
 * written with fs.write on libuv's thread pool, one write in flight at a time (so a stdout pipe
 * that nobody reads holds at most one pool thread, never the event loop). While that write
 * waits, new lines queue up to `maxBufferedBytes`; past it they are dropped and counted. Once the
 * queue has drained, one summary line reports how many were dropped.
 *
 * A line is written at most COALESCE_MS after it was logged (at once when a full write is
 * queued, or on `flush`): a write costs a round trip through the thread pool, so lines that come
 * a few at a time (a connection's open and close) share writes instead of paying one each.
 *
 * Writes are cut at line ends. One write takes what is queued up to 64 KiB, so a busy event loop
 * (one completed write per turn) still writes about 280 lines of 230 bytes per turn. An output
 * other processes write to as well (`--workers`: one stdout for all) keeps each write within
 * PIPE_BUF (4096 bytes) when the lines allow (`shareWithOtherProcesses`), so no line is split by
 * another process's write. docs/logging.md has the measured figures.
 */
import { write as fsWrite } from 'node:fs';

/** Bytes the kernel writes atomically to a pipe (POSIX minimum 512; Linux 4096). */
export const ATOMIC_WRITE_BYTES = 4096;
/** Largest write of an output this process alone writes to. */
export const MAX_WRITE_BYTES = 65_536;
/** Longest a line waits for others to share its write. */
const COALESCE_MS = 10;
/** Delay before retrying a write the fd refused for now (EAGAIN on a non-blocking pipe). */
const RETRY_DELAY_MS = 50;

export type WriteFn = (fd: number, buffer: Buffer, callback: (error: NodeJS.ErrnoException | null, written: number) => void) => void;

export interface LogWriterOptions {
  readonly fd?: number;
  readonly maxBufferedBytes: number;
  /** Fields of the summary line (pino's `base`), so it looks like every other line. */
  readonly base?: Readonly<Record<string, unknown>>;
  /** For tests: the write call (fs.write by default). */
  readonly write?: WriteFn;
}

/** What metrics read of a log output. */
export interface LogOutputStats {
  readonly droppedLines: number;
  readonly bufferedBytes: number;
}

export class LogWriter implements LogOutputStats {
  readonly #fd: number;
  readonly #maxBufferedBytes: number;
  readonly #base: Readonly<Record<string, unknown>>;
  readonly #write: WriteFn;
  readonly #queue: Buffer[] = [];
  #queuedBytes = 0;
  /** Bytes of the write in flight not yet accepted by the fd (a partial write leaves a rest). */
  #pending: Buffer | undefined;
  #droppedSinceSummary = 0;
  #droppedTotal = 0;
  #broken = false;
  #maxWriteBytes = MAX_WRITE_BYTES;
  /** Set while queued lines wait for others to share their write. */
  #coalescing: NodeJS.Timeout | undefined;
  #idleWaiters: (() => void)[] = [];

  constructor(options: LogWriterOptions) {
    this.#fd = options.fd ?? 1;
    this.#maxBufferedBytes = options.maxBufferedBytes;
    this.#base = options.base ?? {};
    this.#write = options.write ?? ((fd, buffer, callback) => fsWrite(fd, buffer, 0, buffer.length, null, callback));
  }

  /**
   * Other processes write to the same output from now on: each write stays within PIPE_BUF
   * (a single longer line is still written whole), so lines never interleave mid-line.
   */
  shareWithOtherProcesses(): void {
    this.#maxWriteBytes = ATOMIC_WRITE_BYTES;
  }

  /** Lines dropped since start because the buffer was full (for metrics). */
  get droppedLines(): number {
    return this.#droppedTotal;
  }

  /** Bytes waiting to be written (the write in flight included). */
  get bufferedBytes(): number {
    return this.#queuedBytes + (this.#pending?.length ?? 0);
  }

  /** Called by pino with one serialized line (ending in a newline). Never blocks. */
  write(line: string): boolean {
    if (this.#broken) return true;
    const bytes = Buffer.from(line);
    if (this.bufferedBytes + bytes.length > this.#maxBufferedBytes) {
      this.#droppedSinceSummary += 1;
      this.#droppedTotal += 1;
      return false;
    }
    this.#queue.push(bytes);
    this.#queuedBytes += bytes.length;
    if (this.#pending !== undefined) return true;
    if (this.#queuedBytes >= this.#maxWriteBytes) this.#writeNow();
    else this.#coalescing ??= setTimeout(() => this.#writeNow(), COALESCE_MS);
    return true;
  }

  #writeNow(): void {
    clearTimeout(this.#coalescing);
    this.#coalescing = undefined;
    if (this.#pending === undefined) this.#writeNext();
  }

  /** Resolves once everything queued is written, or after `timeoutMs` (a stalled reader). */
  flush(timeoutMs: number): Promise<void> {
    if (this.#idle()) return Promise.resolve();
    const settled = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.#idleWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    this.#writeNow();
    return settled;
  }

  #idle(): boolean {
    return this.#pending === undefined && this.#queue.length === 0;
  }

  #writeNext(): void {
    if (this.#queue.length === 0 && this.#droppedSinceSummary > 0 && !this.#broken) this.#queueSummary();
    if (this.#queue.length === 0) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const resolve of waiters) resolve();
      return;
    }
    const lines: Buffer[] = [];
    let size = 0;
    for (const next of this.#queue) {
      if (lines.length > 0 && size + next.length > this.#maxWriteBytes) break;
      lines.push(next);
      size += next.length;
    }
    this.#queue.splice(0, lines.length);
    this.#queuedBytes -= size;
    this.#send(lines.length === 1 && lines[0] !== undefined ? lines[0] : Buffer.concat(lines, size));
  }

  #send(buffer: Buffer): void {
    this.#pending = buffer;
    this.#write(this.#fd, buffer, (error, written) => {
      if (error !== null) {
        if (error.code === 'EAGAIN') {
          setTimeout(() => this.#send(buffer), RETRY_DELAY_MS).unref();
          return;
        }
        // EPIPE and the like: nobody will read again; stop writing and drop quietly.
        this.#broken = true;
        this.#queue.length = 0;
        this.#queuedBytes = 0;
        this.#pending = undefined;
        this.#writeNext();
        return;
      }
      if (written < buffer.length) return this.#send(buffer.subarray(written));
      this.#pending = undefined;
      this.#writeNext();
    });
  }

  #queueSummary(): void {
    const dropped = this.#droppedSinceSummary;
    this.#droppedSinceSummary = 0;
    const line = JSON.stringify({
      level: 40,
      time: Date.now(),
      ...this.#base,
      droppedLines: dropped,
      msg: `${dropped} log lines were dropped: standard output was not being read`,
    });
    const bytes = Buffer.from(`${line}\n`);
    this.#queue.push(bytes);
    this.#queuedBytes += bytes.length;
  }
}
