/**
 * The load generator's WebSocket client: a raw TCP socket, the RFC 6455 client handshake, and a
 * parser of server frames. Nothing else: no extensions, no fragmentation, no UTF-8 validation.
 *
 * Hand-written because it is the measuring instrument. The generator shares two cores with the
 * server it measures, so each microsecond it spends per message is taken from that server; a full
 * client (`ws`) allocates a Buffer and emits an event per message and would be the bottleneck
 * before the server is. This one reads every socket of a process into one shared buffer
 * (`onread`), walks the frames in place and hands out byte ranges; only a frame split across two
 * reads is copied.
 */
import { createHash } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { nowMicros } from '../stats/histogram.js';

const HANDSHAKE_KEY = Buffer.from('switchboard-benc').toString('base64');
const EXPECTED_ACCEPT = createHash('sha1').update(`${HANDSHAKE_KEY}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
const HEADER_END = Buffer.from('\r\n\r\n');
/** Waiting for the server's close frame and FIN after ours, before the socket is destroyed. */
const CLOSE_TIMEOUT_MS = 5_000;
const NO_STATUS = 1005;
const ABNORMAL = 1006;

/** Every socket of this process reads into this buffer; frames are consumed before the next read. */
const READ_BUFFER = Buffer.allocUnsafe(256 * 1024);

export interface WsListener {
  onOpen(): void;
  /** A text frame's payload is `buffer[start, end)`; valid only during the call. */
  onText(buffer: Buffer, start: number, end: number, receivedUs: number): void;
  /** Once, when the TCP connection is gone; `code` from the server's close frame, else 1006. */
  onClose(code: number, error: string | undefined): void;
}

export interface WsTarget {
  readonly host: string;
  readonly port: number;
  readonly path: string;
  readonly localAddress?: string | undefined;
}

/** A client-to-server frame. The mask key is zero, so the payload goes as is (RFC 6455 §5.3 allows any key). */
function maskedFrame(opcode: number, payload: Buffer): Buffer {
  const length = payload.length;
  const header = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const frame = Buffer.alloc(header + 4 + length);
  frame[0] = 0x80 | opcode;
  if (length < 126) {
    frame[1] = 0x80 | length;
  } else if (length < 65_536) {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 0x80 | 127;
    frame.writeUInt32BE(length, 6);
  }
  payload.copy(frame, header + 4);
  return frame;
}

export class WsClient {
  readonly #socket: Socket;
  readonly #listener: WsListener;
  #state: 'handshake' | 'open' | 'closing' | 'closed' = 'handshake';
  #pending: Buffer | undefined;
  #closeCode: number | undefined;
  #error: string | undefined;
  #closeTimer: NodeJS.Timeout | undefined;

  constructor(target: WsTarget, listener: WsListener) {
    this.#listener = listener;
    this.#socket = connect({
      host: target.host,
      port: target.port,
      ...(target.localAddress === undefined ? {} : { localAddress: target.localAddress }),
      onread: { buffer: READ_BUFFER, callback: (length) => this.#onBytes(READ_BUFFER, length) },
    });
    this.#socket.setNoDelay(true);
    this.#socket.on('connect', () => {
      this.#socket.write(
        `GET ${target.path} HTTP/1.1\r\nHost: ${target.host}:${target.port}\r\nUpgrade: websocket\r\n` +
          `Connection: Upgrade\r\nSec-WebSocket-Key: ${HANDSHAKE_KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    this.#socket.on('error', (error) => (this.#error ??= error.message));
    this.#socket.on('close', () => {
      clearTimeout(this.#closeTimer);
      this.#state = 'closed';
      this.#listener.onClose(this.#closeCode ?? ABNORMAL, this.#error);
    });
  }

  get open(): boolean {
    return this.#state === 'open';
  }

  sendText(text: string): void {
    if (this.#state === 'open') this.#socket.write(maskedFrame(0x1, Buffer.from(text)));
  }

  /** Starts the closing handshake; the server answers and closes the TCP connection. */
  close(code = 1000): void {
    if (this.#state !== 'open') {
      if (this.#state === 'handshake') this.destroy();
      return;
    }
    this.#state = 'closing';
    const payload = Buffer.alloc(2);
    payload.writeUInt16BE(code, 0);
    this.#socket.write(maskedFrame(0x8, payload));
    this.#closeTimer = setTimeout(() => this.#socket.destroy(), CLOSE_TIMEOUT_MS);
  }

  destroy(): void {
    this.#socket.destroy();
  }

  #fail(reason: string): void {
    this.#error ??= reason;
    this.#socket.destroy();
  }

  #onBytes(chunk: Buffer, length: number): boolean {
    const receivedUs = nowMicros();
    let buffer = chunk;
    let end = length;
    if (this.#pending !== undefined) {
      buffer = Buffer.concat([this.#pending, chunk.subarray(0, length)]);
      end = buffer.length;
      this.#pending = undefined;
    }
    let position = 0;
    if (this.#state === 'handshake') {
      const headerEnd = buffer.indexOf(HEADER_END);
      if (headerEnd === -1 || headerEnd >= end) {
        this.#pending = Buffer.from(buffer.subarray(0, end));
        return true;
      }
      const head = buffer.toString('latin1', 0, headerEnd);
      if (!head.startsWith('HTTP/1.1 101') || !head.includes(EXPECTED_ACCEPT)) {
        this.#fail(`handshake refused: ${head.split('\r\n', 1)[0] ?? ''}`);
        return true;
      }
      this.#state = 'open';
      position = headerEnd + 4;
      this.#listener.onOpen();
    }
    while (position + 2 <= end && this.#state !== 'closed') {
      const first = buffer[position] as number;
      const second = buffer[position + 1] as number;
      let payloadLength = second & 0x7f;
      let header = 2;
      if (payloadLength === 126) {
        if (position + 4 > end) break;
        payloadLength = buffer.readUInt16BE(position + 2);
        header = 4;
      } else if (payloadLength === 127) {
        if (position + 10 > end) break;
        payloadLength = buffer.readUInt32BE(position + 2) * 2 ** 32 + buffer.readUInt32BE(position + 6);
        header = 10;
      }
      const start = position + header;
      const stop = start + payloadLength;
      if (stop > end) break;
      if ((second & 0x80) !== 0 || (first & 0x80) === 0) {
        this.#fail('protocol error: masked or fragmented server frame');
        return true;
      }
      this.#onFrame(first & 0x0f, buffer, start, stop, receivedUs);
      position = stop;
    }
    if (position < end && this.#state !== 'closed') this.#pending = Buffer.from(buffer.subarray(position, end));
    return true;
  }

  #onFrame(opcode: number, buffer: Buffer, start: number, end: number, receivedUs: number): void {
    switch (opcode) {
      case 0x1:
        if (this.#state === 'open') this.#listener.onText(buffer, start, end, receivedUs);
        return;
      case 0x8: {
        this.#closeCode = end - start >= 2 ? buffer.readUInt16BE(start) : NO_STATUS;
        if (this.#state === 'open') {
          // Echo the close frame; the server then closes the TCP connection.
          this.#state = 'closing';
          this.#socket.write(maskedFrame(0x8, Buffer.from(buffer.subarray(start, Math.min(end, start + 2)))));
          this.#closeTimer = setTimeout(() => this.#socket.destroy(), CLOSE_TIMEOUT_MS);
        }
        return;
      }
      case 0x9:
        if (this.#state === 'open') this.#socket.write(maskedFrame(0xa, Buffer.from(buffer.subarray(start, end))));
        return;
      case 0xa:
        return;
      default:
        this.#fail(`protocol error: unexpected opcode ${opcode}`);
    }
  }
}
