/**
 * The WebSocket endpoint: HTTP upgrades on `/app/{key}` become WebSocketTransports handed to the
 * engine. Every upgrade is completed, even for a bad path or an unknown key, so that the client
 * receives a close code it understands (protocol §1.4) instead of a failed handshake it retries.
 */
import type { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type Server } from 'ws';
import type { Engine } from '../core/engine.js';
import type { Logger } from '../core/logger.js';
import { ClosingWebSocket } from './closing-websocket.js';
import type { FlushScheduler } from './flush-scheduler.js';
import { WebSocketTransport } from './websocket-transport.js';

export interface WebSocketEndpointOptions {
  readonly engine: Engine;
  readonly scheduler: FlushScheduler;
  readonly logger: Logger;
  readonly maxPayloadBytes: number;
  readonly maxBufferedBytes: number;
  readonly compression: boolean;
  readonly now: () => number;
}

const APP_PATH = /^\/app\/([^/?]+)\/?$/;

export class WebSocketEndpoint {
  readonly #options: WebSocketEndpointOptions;
  readonly #server: Server<typeof ClosingWebSocket>;

  constructor(options: WebSocketEndpointOptions) {
    this.#options = options;
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
      const transport = new WebSocketTransport(ws, socket, request.socket.remoteAddress, {
        scheduler: this.#options.scheduler,
        maxBufferedBytes: this.#options.maxBufferedBytes,
        compression: this.#options.compression,
        now: this.#options.now,
      });
      const origin = request.headers.origin;
      this.#options.engine.accept(transport, { key, protocol, origin }).catch((error: unknown) => {
        this.#options.logger.error({ err: error }, 'connection admission failed');
        ws.terminate();
      });
    });
  }
}
