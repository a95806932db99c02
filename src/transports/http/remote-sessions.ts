/**
 * HTTP sessions across nodes. A session lives on the node that opened it (see SessionRegistry);
 * a request of that session that reaches another node is relayed over the broker's control bus
 * (the kinds are in session-messages.ts):
 * - `xhr_send`: the messages go to the owner, which applies them in order and answers the result;
 * - a receive request (`xhr_streaming` / `xhr`): the owner attaches a RemoteReceiver to the
 *   session, and every frame it writes travels back to the node holding the client's request,
 *   which writes it to the response. When that client goes away, the owner is told.
 * Every request is an `ask` with a deadline: without an answer in time (or when the owner is gone,
 * or refuses) the client gets 503 and reconnects. Frames may arrive before the answer to their
 * receive request (the answer is sent once the owner's lookup settles): the relay takes the
 * response on the first of them.
 * Frames relayed to a slow client are bounded by `maxBufferedBytes` per response (over it the
 * response is ended and the session sees its client go, as with a local one).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ControlBus } from '../../cluster/control-bus.js';
import type { ControlKind } from '../../cluster/control-kind.js';
import type { Logger } from '../../shared/logger.js';
import { ReceiveResponse } from './receive-response.js';
import { StreamBudget, type ReceiveKind, type Receiver } from './receiver.js';
import type { SessionDirectory } from './session-directory.js';
import { HTTP_FRAMES, HTTP_RECEIVE, HTTP_RECEIVE_GONE, HTTP_SEND, type HttpForwardResult, type HttpReceiveRequest, type HttpSendRequest } from './session-messages.js';

/** 'timeout': no answer in time (or the owner is gone, or refused): the client gets 503. */
export type ForwardOutcome = HttpForwardResult | 'timeout';

export interface RemoteSessionsOptions {
  readonly control: ControlBus;
  readonly directory: SessionDirectory;
  readonly logger: Logger;
  /** How long the owner has to answer a relayed request. */
  readonly deadlineMs: number;
  /** Bytes a relayed response may have waiting for its client. */
  readonly maxBufferedBytes: number;
}

/** A receive request held on another node, seen from the node that owns the session. */
class RemoteReceiver implements Receiver {
  readonly kind: ReceiveKind;
  readonly proxyId: string;
  readonly #send: (op: 'write' | 'finish' | 'end', text: string) => void;
  readonly #budget = new StreamBudget();
  #ended = false;
  #onGone: ((receiver: Receiver) => void) | undefined;

  constructor(kind: ReceiveKind, proxyId: string, send: (op: 'write' | 'finish' | 'end', text: string) => void) {
    this.kind = kind;
    this.proxyId = proxyId;
    this.#send = send;
  }

  get ended(): boolean {
    return this.#ended;
  }

  get bufferedBytes(): number {
    return 0;
  }

  isFull(): boolean {
    return this.#budget.exhausted;
  }

  onGone(listener: (receiver: Receiver) => void): void {
    this.#onGone = listener;
  }

  write(text: string): void {
    if (this.#ended) return;
    this.#budget.spend(text);
    this.#send('write', text);
  }

  finish(text: string): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#send('finish', text);
  }

  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#send('end', '');
  }

  /** The client's request on the other node went away. */
  gone(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#onGone?.(this);
  }
}

/** A client's receive request on this node whose session lives on another node. */
interface Relay {
  readonly owner: string;
  readonly session: string;
  readonly kind: ReceiveKind;
  readonly request: IncomingMessage;
  readonly response: ServerResponse;
  /** Created on acceptance or the first frame: the status line is only written once the owner said yes. */
  receiver: ReceiveResponse | undefined;
}

export class RemoteSessions {
  readonly #options: RemoteSessionsOptions;
  /** Asking side: relayed receive requests, by proxy id. */
  readonly #relays = new Map<string, Relay>();
  /** Owning side: receivers standing for requests held elsewhere, by proxy id. */
  readonly #remoteReceivers = new Map<string, RemoteReceiver>();

  /** Registers the owning side's handlers on the bus. */
  constructor(options: RemoteSessionsOptions) {
    this.#options = options;
    const { control } = options;
    control.answer(HTTP_SEND, (message) => this.#serveSend(message));
    control.answer(HTTP_RECEIVE, (message, from) => this.#serveReceive(message, from));
    control.handle(HTTP_FRAMES, (message) => this.#relayFrames(message.proxyId, message.op, message.text));
    control.handle(HTTP_RECEIVE_GONE, (message) => {
      const receiver = this.#remoteReceivers.get(message.proxyId);
      this.#remoteReceivers.delete(message.proxyId);
      receiver?.gone();
    });
  }

  // ---- asking side ----------------------------------------------------------------------------

  forwardSend(owner: string, session: string, origin: string | undefined, n: number | undefined, messages: readonly string[]): Promise<ForwardOutcome> {
    return this.#ask(this.#options.control.ask(owner, HTTP_SEND, { session, origin, n, messages: [...messages] }, this.#options.deadlineMs));
  }

  /**
   * Relays a receive request to the session's owner. On 'accepted' the response now belongs to
   * the relay (frames arrive and are written); on anything else the caller answers it.
   */
  async forwardReceive(
    owner: string,
    session: string,
    kind: ReceiveKind,
    origin: string | undefined,
    n: number | undefined,
    request: IncomingMessage,
    response: ServerResponse,
  ): Promise<ForwardOutcome> {
    const proxyId = randomUUID();
    this.#relays.set(proxyId, { owner, session, kind, request, response, receiver: undefined });
    const outcome = await this.#ask(this.#options.control.ask(owner, HTTP_RECEIVE, { session, kind, origin, n, proxyId }, this.#options.deadlineMs));
    const relay = this.#relays.get(proxyId);
    if (outcome !== 'accepted') {
      this.#relays.delete(proxyId);
      // The owner attached a receiver after all (an answer that came too late): let it go.
      if (outcome === 'timeout') this.#tell(owner, HTTP_RECEIVE_GONE, { session, proxyId });
      return outcome;
    }
    if (relay !== undefined) this.#accept(proxyId, relay);
    return outcome;
  }

  /** The owner's answer; 'timeout' when the ask failed (logged when it is more than a timeout). */
  async #ask(asked: Promise<HttpForwardResult>): Promise<ForwardOutcome> {
    try {
      return await asked;
    } catch (error) {
      this.#options.logger.debug({ err: error }, 'relayed HTTP session request not answered');
      return 'timeout';
    }
  }

  #accept(proxyId: string, relay: Relay): ReceiveResponse {
    if (relay.receiver !== undefined) return relay.receiver;
    const receiver = new ReceiveResponse(relay.kind, relay.request, relay.response);
    relay.receiver = receiver;
    receiver.onGone(() => {
      if (this.#relays.delete(proxyId)) this.#tell(relay.owner, HTTP_RECEIVE_GONE, { session: relay.session, proxyId });
    });
    return receiver;
  }

  #relayFrames(proxyId: string, op: 'write' | 'finish' | 'end', text: string): void {
    const relay = this.#relays.get(proxyId);
    if (relay === undefined) return;
    const receiver = this.#accept(proxyId, relay);
    if (op === 'write') {
      receiver.write(text);
      if (receiver.bufferedBytes > this.#options.maxBufferedBytes) {
        // The client does not keep up: end its request; the owner sees it go as a local one.
        this.#relays.delete(proxyId);
        receiver.end();
        this.#tell(relay.owner, HTTP_RECEIVE_GONE, { session: relay.session, proxyId });
      }
      return;
    }
    this.#relays.delete(proxyId);
    if (op === 'finish') receiver.finish(text);
    else receiver.end();
  }

  // ---- owning side ----------------------------------------------------------------------------

  async #serveSend(message: HttpSendRequest): Promise<HttpForwardResult> {
    const found = await this.#options.directory.lookup(message.session);
    if (found.where === 'nowhere') return 'not-found';
    if (found.session.origin !== message.origin) return 'origin-mismatch';
    return found.session.incoming(message.n, message.messages) === 'backlog' ? 'backlog' : 'accepted';
  }

  async #serveReceive(message: HttpReceiveRequest, replyTo: string): Promise<HttpForwardResult> {
    const found = await this.#options.directory.lookup(message.session);
    if (found.where === 'nowhere') return 'not-found';
    if (found.session.origin !== message.origin) return 'origin-mismatch';
    if (found.session.name !== message.kind) return 'transport-mismatch';
    const { proxyId } = message;
    const receiver = new RemoteReceiver(message.kind, proxyId, (op, text) => {
      if (op !== 'write') this.#remoteReceivers.delete(proxyId);
      this.#tell(replyTo, HTTP_FRAMES, { proxyId, op, text });
    });
    this.#remoteReceivers.set(proxyId, receiver);
    found.session.receive(receiver, message.n);
    return 'accepted';
  }

  /** Shutdown: relayed responses end (pending asks end when the broker closes). */
  close(): void {
    for (const relay of this.#relays.values()) relay.receiver?.end();
    this.#relays.clear();
  }

  #tell<P>(nodeId: string, kind: ControlKind<P>, payload: P): void {
    this.#options.control.tell(kind, payload, nodeId).catch((error: unknown) => {
      this.#options.logger.warn({ err: error, kind: kind.name }, 'could not relay an HTTP session message');
    });
  }
}
