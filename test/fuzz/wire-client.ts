/**
 * A WebSocket client on a bare TCP socket, for the fuzzer: it writes frames byte by byte as told
 * (split across TCP writes, fragmented into continuation frames, unmasked, with reserved bits,
 * invalid UTF-8...), which no WebSocket library would send. It reads the server's frames only to
 * learn its socket id, see a marker message, and notice an internal error or a close.
 */
import { connect, type Socket } from 'node:net';
import { ClientErrors } from '../../src/protocol/errors.js';

export interface WireFrame {
  readonly opcode: number;
  readonly fin: boolean;
  readonly payload: Buffer;
  /** Client frames must be masked; false sends a protocol violation. */
  readonly masked?: boolean;
  /** The three reserved bits (non-zero is a violation without an extension). */
  readonly rsv?: number;
}

export const OPCODE = { continuation: 0x0, text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa } as const;

const MASK = Buffer.from([0x37, 0xfa, 0x21, 0x3d]);
const HANDSHAKE_LIMIT = 16_384;

export function encodeWireFrame(frame: WireFrame): Buffer {
  const { payload } = frame;
  const masked = frame.masked ?? true;
  const length = payload.length;
  const lengthBytes = length < 126 ? 0 : length < 65_536 ? 2 : 8;
  const out = Buffer.alloc(2 + lengthBytes + (masked ? 4 : 0) + length);
  out[0] = (frame.fin ? 0x80 : 0) | (((frame.rsv ?? 0) & 0x7) << 4) | (frame.opcode & 0xf);
  if (lengthBytes === 0) out[1] = length;
  else if (lengthBytes === 2) {
    out[1] = 126;
    out.writeUInt16BE(length, 2);
  } else {
    out[1] = 127;
    out.writeBigUInt64BE(BigInt(length), 2);
  }
  let at = 2 + lengthBytes;
  if (masked) {
    out.writeUInt8(out.readUInt8(1) | 0x80, 1);
    MASK.copy(out, at);
    at += 4;
    for (let index = 0; index < length; index += 1) out[at + index] = (payload[index] ?? 0) ^ (MASK[index & 3] ?? 0);
  } else {
    payload.copy(out, at);
  }
  return out;
}

export class WireClient {
  readonly #socket: Socket;
  #buffer: Buffer = Buffer.alloc(0);
  #upgraded = false;
  #socketId: string | undefined;
  #waiters: (() => void)[] = [];
  #marker: string | undefined;
  #markerSeen = false;
  /** The server sent SB_INTERNAL: a finding. */
  internalError = false;
  /** The server's close code, once it closed (1006 when the socket just ended). */
  closeCode: number | undefined;
  /** Every server message seen, counted (nothing is kept). */
  messages = 0;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('close', () => {
      this.closeCode ??= 1006;
      this.#notify();
    });
    socket.on('error', () => undefined);
  }

  /** Connects and completes the handshake; resolves once the server answered (101 or not). */
  static open(port: number, path: string): Promise<WireClient> {
    const socket = connect({ host: '127.0.0.1', port });
    const client = new WireClient(socket);
    socket.write(
      `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
    return client.#until(() => client.#upgraded || client.closed).then(() => client);
  }

  get closed(): boolean {
    return this.closeCode !== undefined;
  }

  /** Resolves with the socket id from connection_established, or undefined if the server closed first. */
  async socketId(): Promise<string | undefined> {
    await this.#until(() => this.#socketId !== undefined || this.closed);
    return this.#socketId;
  }

  /** Writes `bytes`, cut at `cuts` into separate TCP writes with a turn of the event loop between them. */
  async write(bytes: Buffer, cuts: readonly number[] = []): Promise<void> {
    let from = 0;
    for (const cut of [...new Set(cuts)].filter((at) => at > 0 && at < bytes.length).sort((a, b) => a - b)) {
      if (this.closed) return;
      this.#socket.write(bytes.subarray(from, cut));
      from = cut;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    if (!this.closed) this.#socket.write(bytes.subarray(from));
  }

  /** Resolves once `condition` holds, re-checked on every server frame and on close. */
  #until(condition: () => boolean): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve) => {
      const check = (): void => {
        if (condition()) resolve();
        else this.#waiters.push(check);
      };
      this.#waiters.push(check);
    });
  }

  /**
   * Resolves true once a server message containing `marker` arrived (after it was set) or the
   * connection closed; false after `timeoutMs` otherwise.
   */
  async settled(marker: string, timeoutMs: number): Promise<boolean> {
    this.#marker = marker;
    this.#markerSeen = false;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    const done = this.#until(() => this.#markerSeen || this.closed).then(() => true);
    const result = await Promise.race([done, timeout]);
    clearTimeout(timer);
    return result;
  }

  destroy(): void {
    this.#socket.destroy();
  }

  #notify(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) waiter();
  }

  #onData(chunk: Buffer): void {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    if (!this.#upgraded) {
      const end = this.#buffer.indexOf('\r\n\r\n');
      if (end === -1) {
        if (this.#buffer.length > HANDSHAKE_LIMIT) this.destroy();
        return;
      }
      if (!this.#buffer.subarray(0, 12).toString('latin1').startsWith('HTTP/1.1 101')) {
        this.closeCode = 0;
        this.destroy();
        return;
      }
      this.#upgraded = true;
      this.#buffer = this.#buffer.subarray(end + 4);
    }
    this.#readFrames();
    this.#notify();
  }

  #readFrames(): void {
    for (;;) {
      const buffer = this.#buffer;
      if (buffer.length < 2) return;
      const opcode = (buffer[0] ?? 0) & 0xf;
      let length = (buffer[1] ?? 0) & 0x7f;
      let at = 2;
      if (length === 126) {
        if (buffer.length < 4) return;
        length = buffer.readUInt16BE(2);
        at = 4;
      } else if (length === 127) {
        if (buffer.length < 10) return;
        length = Number(buffer.readBigUInt64BE(2));
        at = 10;
      }
      if (buffer.length < at + length) return;
      const payload = buffer.subarray(at, at + length);
      this.#buffer = buffer.subarray(at + length);
      if (opcode === OPCODE.close) this.closeCode = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
      else if (opcode === OPCODE.text) this.#onMessage(payload.toString('utf8'));
    }
  }

  #onMessage(text: string): void {
    this.messages += 1;
    if (this.#socketId === undefined && text.startsWith('{"event":"pusher:connection_established"')) {
      const match = /socket_id\\":\\"([0-9.]+)\\"/.exec(text);
      this.#socketId = match?.[1];
    }
    if (text.includes(ClientErrors.internal.message)) this.internalError = true;
    if (this.#marker !== undefined && text.includes(this.#marker)) this.#markerSeen = true;
  }
}
