/**
 * The control side of a Broker: node-to-node messages that are not channel traffic, each of a
 * kind a feature declares (control-kind.ts) and handles. The bus itself knows no kind.
 *
 * - `handle(kind, handler)` / `answer(kind, handler)`: one handler per kind on this node.
 * - `tell(kind, payload, toNodeId?)`: to one other node, or to every other node. At most once.
 * - `ask(nodeId, kind, payload, deadlineMs)`: a request to one node; resolves with its checked
 *   reply, or rejects with an AskError saying why (`timeout`, `node-gone`, `overloaded` past
 *   `maxPendingAsks`, `closed`, `send-failed`, or the answering node's refusal: `unhandled`,
 *   `version`, `invalid`, `failed`). Every ask ends by its deadline.
 *
 * A payload is checked by its kind's decoder before any handler sees it: a message that fails the
 * check is dropped (a request refused as `invalid`) and logged once per sending node and kind. A message of another version of a
 * kind, or of another wire version, is logged as a warning naming the sending node, once per node
 * and cause: nodes of different releases sharing a bus show up in the logs, not as silence.
 */
import type { Logger } from '../shared/logger.js';
import { CONTROL_WIRE_VERSION, type ControlEnvelope, type DecodedControl } from './bus-codec.js';
import type { ControlKind, RequestKind } from './control-kind.js';

/** Hands an envelope to the bus: to one node, or to every other node. */
export type ControlSend = (envelope: ControlEnvelope, toNodeId?: string) => Promise<void>;

export type AskFailure =
  | 'timeout'
  | 'node-gone'
  | 'overloaded'
  | 'closed'
  | 'send-failed'
  /** Refusals from the answering node: */
  | 'unhandled'
  | 'version'
  | 'invalid'
  | 'failed';

export class AskError extends Error {
  readonly reason: AskFailure;

  constructor(reason: AskFailure, message: string) {
    super(message);
    this.name = 'AskError';
    this.reason = reason;
  }
}

export interface ControlBusOptions {
  readonly nodeId: string;
  readonly send: ControlSend;
  readonly logger: Logger;
  /** Asks awaiting their reply at once; more are refused (`overloaded`). Default 10,000. */
  readonly maxPendingAsks?: number;
}

interface Registered {
  readonly kind: ControlKind<unknown>;
  /** Whether it is a request kind (answered) or a message kind (handled). */
  readonly request: boolean;
  /** Checks the payload (throws when it fails) and returns the handler's work on it. */
  readonly check: (payload: unknown, from: string) => () => unknown;
}

interface PendingAsk {
  readonly nodeId: string;
  readonly kindName: string;
  /** Checks the reply and resolves the ask with it (or rejects it as `invalid`). */
  readonly onReply: (payload: unknown) => void;
  readonly reject: (error: AskError) => void;
  readonly timer: NodeJS.Timeout;
}

const DEFAULT_MAX_PENDING_ASKS = 10_000;
/** Distinct (node, cause) warnings remembered, so a flood logs a bounded number of lines. */
const MAX_WARNED = 1_000;
const REFUSALS: readonly AskFailure[] = ['unhandled', 'version', 'invalid', 'failed'];

export class ControlBus {
  readonly #options: ControlBusOptions;
  readonly #maxPending: number;
  readonly #kinds = new Map<string, Registered>();
  readonly #pending = new Map<number, PendingAsk>();
  readonly #warned = new Set<string>();
  #nextAskId = 1;
  #closed = false;

  constructor(options: ControlBusOptions) {
    this.#options = options;
    this.#maxPending = options.maxPendingAsks ?? DEFAULT_MAX_PENDING_ASKS;
  }

  get nodeId(): string {
    return this.#options.nodeId;
  }

  /** Asks awaiting their reply. */
  get pendingAsks(): number {
    return this.#pending.size;
  }

  /** Runs `handler` for every message of `kind` from another node. One handler per kind. */
  handle<P>(kind: ControlKind<P>, handler: (payload: P, from: string) => void): void {
    this.#register({ kind, request: false, check: (payload, from) => {
      const checked = kind.decode(payload);
      return () => handler(checked, from);
    } });
  }

  /** Answers every request of `kind` with what `handler` returns. One handler per kind. */
  answer<P, R>(kind: RequestKind<P, R>, handler: (payload: P, from: string) => R | Promise<R>): void {
    this.#register({ kind, request: true, check: (payload, from) => {
      const checked = kind.decode(payload);
      return () => handler(checked, from);
    } });
  }

  /** Sends to one other node, or to every other node; rejects when the bus cannot take it. */
  tell<P>(kind: ControlKind<P>, payload: P, toNodeId?: string): Promise<void> {
    if (this.#closed) return Promise.reject(new AskError('closed', 'the bus is closed'));
    return this.#options.send({ type: 'message', kind: kind.name, version: kind.version, payload }, toNodeId);
  }

  /** One request to `nodeId`; see the file comment for how it ends. */
  ask<P, R>(nodeId: string, kind: RequestKind<P, R>, payload: P, deadlineMs: number): Promise<R> {
    if (this.#closed) return Promise.reject(new AskError('closed', `cannot ask ${nodeId} for ${kind.name}: the bus is closed`));
    if (nodeId === this.#options.nodeId) return Promise.reject(new Error(`a node cannot ask itself (${kind.name})`));
    if (this.#pending.size >= this.#maxPending) {
      return Promise.reject(new AskError('overloaded', `cannot ask ${nodeId} for ${kind.name}: ${String(this.#pending.size)} asks already await a reply`));
    }
    const askId = this.#nextAskId++;
    return new Promise<R>((resolve, reject) => {
      // Not unref'd: an ask is work in flight, bounded by its deadline (and ended by close).
      const timer = setTimeout(() => {
        this.#settle(askId)?.reject(new AskError('timeout', `${nodeId} did not answer ${kind.name} within ${String(deadlineMs)} ms`));
      }, deadlineMs);
      const onReply = (reply: unknown): void => {
        let checked: R;
        try {
          checked = kind.decodeReply(reply);
        } catch (error) {
          reject(new AskError('invalid', `${nodeId} answered ${kind.name} with a reply that failed its check: ${errorText(error)}`));
          return;
        }
        resolve(checked);
      };
      this.#pending.set(askId, { nodeId, kindName: kind.name, onReply, reject, timer });
      this.#options.send({ type: 'message', kind: kind.name, version: kind.version, payload, askId }, nodeId).catch((error: unknown) => {
        this.#settle(askId)?.reject(new AskError('send-failed', `could not send ${kind.name} to ${nodeId}: ${errorText(error)}`));
      });
    });
  }

  /** `nodeId` left the cluster: its pending asks fail now rather than at their deadline. */
  nodeGone(nodeId: string): void {
    for (const [askId, pending] of this.#pending) {
      if (pending.nodeId !== nodeId) continue;
      this.#settle(askId)?.reject(new AskError('node-gone', `${nodeId} left the cluster before answering ${pending.kindName}`));
    }
  }

  /** Pending asks fail (`closed`); later sends are refused. Idempotent. */
  close(): void {
    this.#closed = true;
    for (const [askId, pending] of this.#pending) {
      this.#settle(askId)?.reject(new AskError('closed', `the bus closed before ${pending.nodeId} answered ${pending.kindName}`));
    }
  }

  /** What the broker decoded from the wire. */
  receive(decoded: DecodedControl): void {
    if (decoded.status === 'foreign') {
      this.#warnOnce(`${decoded.from ?? '?'}:wire:${String(decoded.version)}`, { node: decoded.from, version: decoded.version, expected: CONTROL_WIRE_VERSION },
        'a control message of another bus wire version arrived: every node on a bus must run the same release');
      return;
    }
    const { from, envelope } = decoded;
    if (envelope.type === 'message') this.#onMessage(from, envelope);
    else this.#onReply(from, envelope);
  }

  #register(registered: Registered): void {
    const name = registered.kind.name;
    if (this.#kinds.has(name)) throw new Error(`control kind ${name} already has a handler`);
    this.#kinds.set(name, registered);
  }

  #onMessage(from: string, message: Extract<ControlEnvelope, { type: 'message' }>): void {
    const registered = this.#kinds.get(message.kind);
    const refuse = (reason: AskFailure, detail: string): void => {
      if (message.askId !== undefined) this.#reply(from, { type: 'refusal', kind: message.kind, askId: message.askId, reason, detail });
    };
    if (registered === undefined) {
      this.#warnOnce(`${from}:kind:${message.kind}`, { node: from, kind: message.kind }, 'a control message of a kind this node does not handle arrived');
      return refuse('unhandled', `${this.nodeId} does not handle ${message.kind}`);
    }
    if (registered.kind.version !== message.version) {
      this.#warnOnce(`${from}:version:${message.kind}:${String(message.version)}`, { node: from, kind: message.kind, version: message.version, expected: registered.kind.version },
        'a control message of another version of its kind arrived: every node on a bus must run the same release');
      return refuse('version', `${this.nodeId} handles ${message.kind} version ${String(registered.kind.version)}, not ${String(message.version)}`);
    }
    if (registered.request !== (message.askId !== undefined)) {
      this.#warnOnce(`${from}:shape:${message.kind}`, { node: from, kind: message.kind }, 'a control message came as a request for a one-way kind, or the other way round');
      return refuse('unhandled', `${message.kind} is ${registered.request ? '' : 'not '}a request on ${this.nodeId}`);
    }
    let work: () => unknown;
    try {
      work = registered.check(message.payload, from);
    } catch (error) {
      // Once per node and kind: a node of another release may send a malformed kind many times a second.
      this.#warnOnce(`${from}:invalid:${message.kind}`, { err: error, node: from, kind: message.kind }, 'a control message failed its check and was dropped');
      return refuse('invalid', `${message.kind} failed its check on ${this.nodeId}: ${errorText(error)}`);
    }
    const askId = message.askId;
    if (askId === undefined) {
      try {
        work();
      } catch (error) {
        this.#options.logger.warn({ err: error, node: from, kind: message.kind }, 'a control message handler failed');
      }
      return;
    }
    // A handler that throws at once is reported as one that rejects.
    new Promise<unknown>((resolve) => resolve(work())).then(
      (reply) => this.#reply(from, { type: 'reply', kind: message.kind, askId, payload: reply }),
      (error: unknown) => {
        this.#options.logger.warn({ err: error, node: from, kind: message.kind }, 'answering a request failed');
        refuse('failed', errorText(error));
      },
    );
  }

  #onReply(from: string, reply: Exclude<ControlEnvelope, { type: 'message' }>): void {
    const pending = this.#pending.get(reply.askId);
    // Late (after its deadline), or not from the node asked: nothing waits for it.
    if (pending === undefined || pending.nodeId !== from) return;
    this.#settle(reply.askId);
    if (reply.type === 'refusal') {
      const reason = REFUSALS.find((known) => known === reply.reason) ?? 'failed';
      pending.reject(new AskError(reason, `${from} refused ${reply.kind}: ${reply.detail}`));
      return;
    }
    pending.onReply(reply.payload);
  }

  /** Removes a pending ask and clears its timer; undefined when it already ended. */
  #settle(askId: number): PendingAsk | undefined {
    const pending = this.#pending.get(askId);
    if (pending === undefined) return undefined;
    this.#pending.delete(askId);
    clearTimeout(pending.timer);
    return pending;
  }

  #reply(to: string, envelope: ControlEnvelope): void {
    if (this.#closed) return;
    this.#options.send(envelope, to).catch((error: unknown) => {
      this.#options.logger.warn({ err: error, node: to, kind: envelope.kind }, 'could not send a control reply');
    });
  }

  #warnOnce(key: string, fields: Record<string, unknown>, message: string): void {
    if (this.#warned.has(key) || this.#warned.size >= MAX_WARNED) return;
    this.#warned.add(key);
    this.#options.logger.warn(fields, message);
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
