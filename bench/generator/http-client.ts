/**
 * The generator's HTTP/1.1 client: one keep-alive TCP connection, one request at a time (as the
 * `pusher` SDK sends them: no pipelining), responses framed by Content-Length or chunked encoding.
 *
 * Hand-written for the same reason as the WebSocket client: it is the measuring instrument, and
 * the 15,000 signed publishes per second the HTTP API must sustain are to be spent by the server,
 * not by a client library's per-request machinery on the same two cores.
 */
import { connect, type Socket } from 'node:net';

const HEADER_END = Buffer.from('\r\n\r\n');
const CRLF = Buffer.from('\r\n');

export type AnswerCallback = (status: number | 'error', detail: string | undefined) => void;

interface Framing {
  readonly headerEnd: number;
  readonly status: number;
  readonly contentLength: number | undefined;
  readonly chunked: boolean;
  /** `Connection: close`: the server ends the connection after this response. */
  readonly close: boolean;
}

function parseHead(buffer: Buffer, headerEnd: number): Framing {
  const head = buffer.toString('latin1', 0, headerEnd);
  const status = Number(head.slice(9, 12));
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  return {
    headerEnd,
    status,
    contentLength: length?.[1] === undefined ? undefined : Number(length[1]),
    chunked: /\r\ntransfer-encoding:\s*chunked/i.test(head),
    close: /\r\nconnection:\s*close/i.test(head),
  };
}

/** Where a chunked body ends (just past the final CRLF), or -1 while incomplete. */
function chunkedEnd(buffer: Buffer, start: number): number {
  let position = start;
  for (;;) {
    const lineEnd = buffer.indexOf(CRLF, position);
    if (lineEnd === -1) return -1;
    const size = parseInt(buffer.toString('latin1', position, lineEnd), 16);
    if (Number.isNaN(size)) return -1;
    const next = lineEnd + 2 + size + 2;
    if (next > buffer.length) return -1;
    if (size === 0) return next;
    position = next;
  }
}

export class HttpConnection {
  readonly #host: string;
  readonly #port: number;
  #socket: Socket | undefined;
  #buffer: Buffer = Buffer.alloc(0);
  #callback: AnswerCallback | undefined;
  #closed = false;

  constructor(host: string, port: number) {
    this.#host = host;
    this.#port = port;
  }

  get busy(): boolean {
    return this.#callback !== undefined;
  }

  /** Sends one request; `callback` gets the status, or 'error' when the connection broke. */
  request(text: string, callback: AnswerCallback): void {
    this.#callback = callback;
    this.#connection().write(text);
  }

  close(): void {
    this.#closed = true;
    this.#socket?.destroy();
  }

  #connection(): Socket {
    if (this.#socket !== undefined) return this.#socket;
    const socket = connect({ host: this.#host, port: this.#port });
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', (error) => this.#broken(error.message));
    socket.on('close', () => this.#broken('connection closed'));
    this.#socket = socket;
    return socket;
  }

  #broken(reason: string): void {
    this.#socket = undefined;
    this.#buffer = Buffer.alloc(0);
    const callback = this.#callback;
    this.#callback = undefined;
    if (callback !== undefined && !this.#closed) callback('error', reason);
  }

  #onData(chunk: Buffer): void {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    const headerEnd = this.#buffer.indexOf(HEADER_END);
    if (headerEnd === -1) return;
    const framing = parseHead(this.#buffer, headerEnd);
    const bodyStart = headerEnd + 4;
    let end: number;
    if (framing.chunked) {
      end = chunkedEnd(this.#buffer, bodyStart);
      if (end === -1) return;
    } else {
      end = bodyStart + (framing.contentLength ?? 0);
      if (end > this.#buffer.length) return;
    }
    const detail = framing.status === 200 ? undefined : this.#buffer.toString('utf8', bodyStart, Math.min(end, bodyStart + 200));
    this.#buffer = end === this.#buffer.length ? Buffer.alloc(0) : this.#buffer.subarray(end);
    // A server that answers `Connection: close` (soketi does on every API request) gets a new
    // connection for the next request, as any HTTP client opens one; its close is not an error.
    if (framing.close) this.#retire();
    const callback = this.#callback;
    this.#callback = undefined;
    callback?.(framing.status, detail);
  }

  /** Forgets the current socket without reporting its close. */
  #retire(): void {
    const socket = this.#socket;
    this.#socket = undefined;
    this.#buffer = Buffer.alloc(0);
    if (socket === undefined) return;
    socket.removeAllListeners('data');
    socket.removeAllListeners('close');
    socket.removeAllListeners('error');
    socket.on('error', () => undefined);
    socket.destroy();
  }
}
