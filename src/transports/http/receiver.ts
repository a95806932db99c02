/**
 * Where an HTTP session writes its frames: the client's open receive request, either on this node
 * (ReceiveResponse) or on another node that holds the client's request and relays what it is
 * sent (RemoteReceiver).
 */
import { CLIENT_STREAM_LIMIT_CHARS } from './http-frames.js';

export type ReceiveKind = 'xhr_streaming' | 'xhr_polling';

export interface Receiver {
  readonly kind: ReceiveKind;
  readonly ended: boolean;
  /** Outgoing bytes written but not yet taken by the client's socket (0 when unknown). */
  readonly bufferedBytes: number;
  /**
   * True once this stream has carried more than pusher-js reads from one stream: the client is
   * about to replace it with a new request on the same session, so nothing more may be written.
   */
  isFull(): boolean;
  /** Streams only: writes frames and keeps the response open. */
  write(text: string): void;
  /** Writes the last frames and ends the response (a poll's answer, or a close). */
  finish(text: string): void;
  /** Ends the response without writing (a stream replaced by the client's next one). */
  end(): void;
  /** Registers the callback for when the client goes away before the server ended the response. */
  onGone(listener: (receiver: Receiver) => void): void;
}

/** Counts characters as pusher-js counts its `responseText`, to know when it rotates a stream. */
export class StreamBudget {
  #chars = 0;

  spend(text: string): void {
    this.#chars += text.length;
  }

  get exhausted(): boolean {
    return this.#chars > CLIENT_STREAM_LIMIT_CHARS;
  }
}
