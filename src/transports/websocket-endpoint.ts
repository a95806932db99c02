/**
 * The WebSocket endpoint: HTTP upgrades on `/app/{key}` become WebSocketTransports handed to the
 * engine. Every upgrade is completed, even for a bad path or an unknown key, so that the client
 * receives a close code it understands (protocol §1.4) instead of a failed handshake it retries.
 */
import type { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type Server } from 'ws';
import type { AddressLimits } from '../core/address-limits.js';
import type { Engine } from '../core/engine.js';
import type { Logger } from '../shared/logger.js';
import type { ClientResolver } from '../http/remote-address.js';
import { encodeError } from '../protocol/codec.js';
import { Frame } from '../protocol/frame.js';
import { ClosingWebSocket } from './closing-websocket.js';
import type { FlushScheduler } from './flush-scheduler.js';
import { JoinedFrames } from './joined-frames.js';
import { skipRepeatedReceiverEnds, skipRepeatedSocketEnds } from './repeated-end.js';
import { WebSocketTransport } from './websocket-transport.js';

export interface WebSocketEndpointOptions {
  readonly engine: Engine;
  readonly scheduler: FlushScheduler;
  readonly logger: Logger;
  readonly maxPayloadBytes: number;
  readonly maxBufferedBytes: number;
  readonly compression: boolean;
  readonly now: () => number;
  /** Who a request comes from (the TCP peer, or the client a trusted proxy forwarded). */
  readonly resolveClient: ClientResolver;
  /** Per client address limits; a connection over them is closed with their code. */
  readonly addressLimits?: AddressLimits | undefined;
}

const APP_PATH = /^\/app\/([^/?]+)\/?$/;

export class WebSocketEndpoint {
  readonly #options: WebSocketEndpointOptions;
  readonly #server: Server<typeof ClosingWebSocket>;
  readonly #joined = new JoinedFrames();

  constructor(options: WebSocketEndpointOptions) {
    this.#options = options;
    skipRepeatedReceiverEnds();
    this.#server = new WebSocketServer({
      WebSocket: ClosingWebSocket,
      noServer: true,
      clientTracking: false,
      maxPayload: options.maxPayloadBytes,
      perMessageDeflate: options.compression
        ? { serverNoContextTakeover: true, clientNoContextTakeover: true, threshold: 256 }
        : false,
    });
  }

  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const url = new URL(request.url ?? '/', 'http://localhost');
    const match = APP_PATH.exec(url.pathname);
    let key: string | undefined;
    if (match?.[1] !== undefined) {
      try {
        key = decodeURIComponent(match[1]);
      } catch {
        key = undefined;
      }
    }
    const protocol = url.searchParams.get('protocol');
    this.#server.handleUpgrade(request, socket, head, (ws) => {
      if (socket instanceof Socket) socket.setNoDelay(true);
      skipRepeatedSocketEnds(socket);
      const client = this.#options.resolveClient(request);
      const transport = new WebSocketTransport(ws, socket, client, {
        scheduler: this.#options.scheduler,
        joined: this.#joined,
        maxBufferedBytes: this.#options.maxBufferedBytes,
        compression: this.#options.compression,
        now: this.#options.now,
      });
      const admission = this.#options.addressLimits?.admit(client.address);
      if (admission?.admitted === false) {
        this.#options.logger.debug({ remoteAddress: client.address, code: admission.reason.code }, 'WebSocket refused: per-address limit');
        // Refused before any protocol work: pusher:error, then the close (pusher-js backs off);
        // the transport's close handshake timeout bounds a client that never answers it.
        const { code, message } = admission.reason;
        transport.send(new Frame(encodeError(code, message)));
        transport.close(code, message);
        return;
      }
      if (admission !== undefined) ws.once('close', admission.release);
      const origin = request.headers.origin;
      this.#options.engine.accept(transport, { key, protocol, origin }).catch((error: unknown) => {
        this.#options.logger.error({ err: error }, 'connection admission failed');
        ws.terminate();
      });
    });
  }
}
