/**
 * HTTP sessions across nodes. A session lives on the node that opened it (see SessionRegistry);
 * a request of that session that reaches another node is relayed over the broker:
 * - `xhr_send`: the messages go to the owner, which applies them in order and answers the result;
 * - a receive request (`xhr_streaming` / `xhr`): the owner attaches a RemoteReceiver to the
 *   session, and every frame it writes travels back to the node holding the client's request,
 *   which writes it to the response. When that client goes away, the owner is told.
 * Every request has a deadline: without an answer in time the client gets 503 and reconnects.
 * Frames relayed to a slow client are bounded by `maxBufferedBytes` per response (over it the
 * response is ended and the session sees its client go, as with a local one).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Broker, HttpForwardResult, HttpSessionMessage } from '../../cluster/broker.js';
import type { Logger } from '../../core/logger.js';
import { ReceiveResponse } from './receive-response.js';
import { StreamBudget, type ReceiveKind, type Receiver } from './receiver.js';
import type { SessionDirectory } from './session-directory.js';

export type ForwardOutcome = HttpForwardResult | 'timeout';

export interface RemoteSessionsOptions {
  readonly nodeId: string;
  readonly broker: Broker;
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
  /** Created on acceptance: the status line is only written once the owner said yes. */
  receiver: ReceiveResponse | undefined;
}

interface Pending {
  readonly resolve: (outcome: ForwardOutcome) => void;
  readonly timer: NodeJS.Timeout;
}

export class RemoteSessions {
  readonly #options: RemoteSessionsOptions;
  /** Asking side: requests waiting for the owner's answer. */
  readonly #pending = new Map<string, Pending>();
  /** Asking side: relayed receive requests, by proxy id. */
  readonly #relays = new Map<string, Relay>();
  /** Owning side: receivers standing for requests held elsewhere, by proxy id. */
  readonly #remoteReceivers = new Map<string, RemoteReceiver>();

  constructor(options: RemoteSessionsOptions) {
    this.#options = options;
  }

  // ---- asking side ----------------------------------------------------------------------------

  forwardSend(owner: string, session: string, origin: string | undefined, n: number | undefined, messages: readonly string[]): Promise<ForwardOutcome> {
    const requestId = randomUUID();
    return this.#ask(requestId, owner, {
      v: 1,
      type: 'http-send',
      session,
      origin,
      n,
      messages,
      replyTo: this.#options.nodeId,
      requestId,
    });
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
    const outcome = await this.#ask(proxyId, owner, {
      v: 1,
      type: 'http-receive',
      session,
      kind,
      origin,
      n,
      replyTo: this.#options.nodeId,
      proxyId,
    });
    const relay = this.#relays.get(proxyId);
    if (outcome !== 'accepted') {
      this.#relays.delete(proxyId);
      // The owner attached a receiver after all (an answer that came too late): let it go.
      if (outcome === 'timeout') this.#tell(owner, { v: 1, type: 'http-receive-gone', session, proxyId });
      return outcome;
    }
    if (relay !== undefined) this.#accept(proxyId, relay);
    return outcome;
  }

  #ask(id: string, owner: string, message: HttpSessionMessage): Promise<ForwardOutcome> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        resolve('timeout');
      }, this.#options.deadlineMs);
      timer.unref();
      this.#pending.set(id, { resolve, timer });
      this.#tell(owner, message);
    });
  }

  #answer(id: string, result: HttpForwardResult): void {
    const pending = this.#pending.get(id);
    if (pending === undefined) return;
    this.#pending.delete(id);
    clearTimeout(pending.timer);
    pending.resolve(result);
  }

  #accept(proxyId: string, relay: Relay): ReceiveResponse {
    if (relay.receiver !== undefined) return relay.receiver;
    const receiver = new ReceiveResponse(relay.kind, relay.request, relay.response);
    relay.receiver = receiver;
    receiver.onGone(() => {
      if (this.#relays.delete(proxyId)) this.#tell(relay.owner, { v: 1, type: 'http-receive-gone', session: relay.session, proxyId });
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
        this.#tell(relay.owner, { v: 1, type: 'http-receive-gone', session: relay.session, proxyId });
      }
      return;
    }
    this.#relays.delete(proxyId);
    if (op === 'finish') receiver.finish(text);
    else receiver.end();
  }

  // ---- owning side ----------------------------------------------------------------------------

  async #serveSend(message: Extract<HttpSessionMessage, { type: 'http-send' }>): Promise<void> {
    const found = await this.#options.directory.lookup(message.session);
    let result: HttpForwardResult;
    if (found.where === 'nowhere') result = 'not-found';
    else if (found.session.origin !== message.origin) result = 'origin-mismatch';
    else result = found.session.incoming(message.n, [...message.messages]) === 'backlog' ? 'backlog' : 'accepted';
    this.#tell(message.replyTo, { v: 1, type: 'http-send-result', requestId: message.requestId, result });
  }

  async #serveReceive(message: Extract<HttpSessionMessage, { type: 'http-receive' }>): Promise<void> {
    const found = await this.#options.directory.lookup(message.session);
    let result: HttpForwardResult = 'accepted';
    if (found.where === 'nowhere') result = 'not-found';
    else if (found.session.origin !== message.origin) result = 'origin-mismatch';
    else if (found.session.name !== message.kind) result = 'transport-mismatch';
    // The answer goes first: the frames that follow on the same route arrive after it.
    this.#tell(message.replyTo, { v: 1, type: 'http-receive-result', proxyId: message.proxyId, result });
    if (result !== 'accepted' || found.where === 'nowhere') return;
    const { proxyId, replyTo } = message;
    const receiver = new RemoteReceiver(message.kind, proxyId, (op, text) => {
      if (op !== 'write') this.#remoteReceivers.delete(proxyId);
      this.#tell(replyTo, { v: 1, type: 'http-frames', proxyId, op, text });
    });
    this.#remoteReceivers.set(proxyId, receiver);
    found.session.receive(receiver, message.n);
  }

  // ---- both ---------------------------------------------------------------------------------

  /** A message from another node. */
  onControl(message: HttpSessionMessage): void {
    switch (message.type) {
      case 'http-send':
        this.#serve(this.#serveSend(message));
        return;
      case 'http-receive':
        this.#serve(this.#serveReceive(message));
        return;
      case 'http-send-result':
        this.#answer(message.requestId, message.result);
        return;
      case 'http-receive-result':
        this.#answer(message.proxyId, message.result);
        return;
      case 'http-frames':
        this.#relayFrames(message.proxyId, message.op, message.text);
        return;
      case 'http-receive-gone': {
        const receiver = this.#remoteReceivers.get(message.proxyId);
        this.#remoteReceivers.delete(message.proxyId);
        receiver?.gone();
        return;
      }
    }
  }

  /** Shutdown: pending requests time out at once; relayed responses end. */
  close(): void {
    for (const [id, pending] of this.#pending) {
      clearTimeout(pending.timer);
      pending.resolve('timeout');
      this.#pending.delete(id);
    }
    for (const relay of this.#relays.values()) relay.receiver?.end();
    this.#relays.clear();
  }

  #serve(work: Promise<void>): void {
    work.catch((error: unknown) => this.#options.logger.error({ err: error }, 'relayed HTTP session request failed'));
  }

  #tell(nodeId: string, message: HttpSessionMessage): void {
    this.#options.broker.publishControl(message, nodeId).catch((error: unknown) => {
      this.#options.logger.warn({ err: error, type: message.type }, 'could not relay an HTTP session message');
    });
  }
}
