/**
 * One open debug console: the records of one app that pass its filter, written to its
 * Server-Sent Events stream. Bounded per viewer: at most RECORDS_PER_SECOND records a second
 * (a token bucket, bursts of as many), and none while the connection holds more than
 * MAX_BUFFERED_BYTES unsent (a browser that does not read); every record left out is counted,
 * and the count goes to the page in a `dropped` event within a second. So a busy app can stall
 * neither the server nor the browser.
 */
import { TokenBucket } from '../../shared/token-bucket.js';
import type { DebugEntryKind, DebugRecord, DebugViewer } from '../../core/debug-tap.js';

export const RECORDS_PER_SECOND = 100;
export const MAX_BUFFERED_BYTES = 1024 * 1024;
/** A comment line this often keeps proxies from closing an idle stream. */
const HEARTBEAT_MS = 15_000;

/** Where the stream writes (an http.ServerResponse; a stand-in in unit tests). */
export interface StreamSink {
  write(text: string): unknown;
  readonly writableLength: number;
}

/** What the console shows; every field optional (absent: everything). */
export interface ConsoleFilter {
  /** Records whose channel contains this text. */
  readonly channel?: string | undefined;
  /** Records of these kinds. */
  readonly kinds?: ReadonlySet<DebugEntryKind> | undefined;
  /** Records of this socket id. */
  readonly socketId?: string | undefined;
}

export class ConsoleStream implements DebugViewer {
  readonly #sink: StreamSink;
  readonly #filter: ConsoleFilter;
  readonly #bucket: TokenBucket;
  readonly #now: () => number;
  #dropped = 0;
  #reportedDropped = 0;
  #lastWriteAt: number;

  constructor(sink: StreamSink, filter: ConsoleFilter, now: () => number = Date.now) {
    this.#sink = sink;
    this.#filter = filter;
    this.#now = now;
    this.#bucket = new TokenBucket(RECORDS_PER_SECOND, 1000, now);
    this.#lastWriteAt = now();
  }

  /** Records left out so far (rate bound, unread stream, or dropped upstream). */
  get dropped(): number {
    return this.#dropped;
  }

  receive(record: DebugRecord): void {
    if (!passes(this.#filter, record)) return;
    if (this.#sink.writableLength > MAX_BUFFERED_BYTES || !this.#bucket.take()) {
      this.#dropped += 1;
      return;
    }
    this.#write(`data: ${JSON.stringify(record)}\n\n`);
  }

  missed(count: number): void {
    this.#dropped += count;
  }

  /** Called every second: reports a changed drop count, or keeps an idle stream alive. */
  tick(): void {
    if (this.#dropped !== this.#reportedDropped) {
      this.#reportedDropped = this.#dropped;
      this.#write(`event: dropped\ndata: ${JSON.stringify({ dropped: this.#dropped })}\n\n`);
    } else if (this.#now() - this.#lastWriteAt >= HEARTBEAT_MS) {
      this.#write(': heartbeat\n\n');
    }
  }

  #write(text: string): void {
    this.#lastWriteAt = this.#now();
    this.#sink.write(text);
  }
}

function passes(filter: ConsoleFilter, record: DebugRecord): boolean {
  if (filter.kinds !== undefined && !filter.kinds.has(record.kind)) return false;
  if (filter.channel !== undefined && !('channel' in record && record.channel.includes(filter.channel))) return false;
  if (filter.socketId !== undefined && !('socketId' in record && record.socketId === filter.socketId)) return false;
  return true;
}
