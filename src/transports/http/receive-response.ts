/**
 * The open receive request of an HTTP session on this node: a stream (`xhr_streaming`) that stays
 * open and is written to many times, or a poll (`xhr`) that is answered once. It wraps the
 * ServerResponse and reports, once, when the client went away before the server ended it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { corsHeaders } from '../../http/respond.js';
import { StreamBudget, type ReceiveKind, type Receiver } from './receiver.js';

export type { ReceiveKind } from './receiver.js';

export class ReceiveResponse implements Receiver {
  readonly kind: ReceiveKind;
  readonly #response: ServerResponse;
  readonly #budget = new StreamBudget();
  #ended = false;
  #onGone: ((receiver: Receiver) => void) | undefined;

  constructor(kind: ReceiveKind, request: IncomingMessage, response: ServerResponse) {
    this.kind = kind;
    this.#response = response;
    response.writeHead(200, {
      ...corsHeaders(request),
      // UTF-8 so that the browser's responseText is the text written, character for character.
      'content-type': 'application/javascript; charset=UTF-8',
      'cache-control': 'no-store, no-cache, must-revalidate, max-age=0',
      // Asks nginx-style reverse proxies not to buffer the stream.
      'x-accel-buffering': 'no',
    });
    if (kind === 'xhr_streaming') response.socket?.setNoDelay(true);
    response.flushHeaders();
    response.on('close', () => {
      if (this.#ended) return;
      this.#ended = true;
      this.#onGone?.(this);
    });
  }

  get ended(): boolean {
    return this.#ended;
  }

  get bufferedBytes(): number {
    return this.#response.writableLength;
  }

  onGone(listener: (receiver: Receiver) => void): void {
    this.#onGone = listener;
  }

  isFull(): boolean {
    return this.#budget.exhausted;
  }

  write(text: string): void {
    if (this.#ended) return;
    this.#budget.spend(text);
    this.#response.write(text);
  }

  finish(text: string): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#response.end(text);
  }

  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#response.end();
  }
}
