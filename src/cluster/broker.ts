/**
 * Broker: moves publications between nodes. A node asks for a channel's traffic only while it has
 * local subscribers (`subscribe` on the first, `unsubscribe` after the last), so a publication
 * reaches only the nodes that need it.
 *
 * Guarantee: at most once, in publish order per publishing node. `publish` never delivers to the
 * publishing node itself; the caller delivers locally (see core/engine.ts). A publication is
 * encoded once for the bus, whatever the number of receiving nodes.
 *
 * `publishConfirmed` is the acknowledged form the HTTP API uses: it resolves once the bus server
 * has taken every publication (so every node subscribed at that moment gets them) and rejects,
 * within a bounded time, when it cannot say so; the publisher is then told to retry.
 */
import type { RawJson } from '../protocol/raw-json.js';

/** One event on one channel of one app, as it travels between nodes. */
export interface Publication {
  readonly appId: string;
  readonly channel: string;
  readonly event: string;
  /**
   * The publisher's string (HTTP API, server events), or JSON text relayed as is: a client
   * event's data as the client sent it, and every publication received from another node.
   */
  readonly data: string | RawJson | undefined;
  /** Sender's presence user id, for client events on presence channels. */
  readonly userId?: string | number | undefined;
  /** The connection that must not receive it (HTTP API `socket_id`, or the client-event sender). */
  readonly exceptSocketId?: string | undefined;
}

/**
 * Node-to-node messages that are not channel traffic: a versioned, discriminated union. Replies
 * are addressed to the node that asked (`replyTo`), and every request has a deadline on the asking
 * side (see transports/http/remote-sessions.ts).
 */
export type ControlMessage =
  | { readonly v: 1; readonly type: 'terminate-user'; readonly appId: string; readonly userId: string }
  /** An app was written in the app store: re-read it (`keys`: the keys it had and has, to forget as unknown). */
  | { readonly v: 1; readonly type: 'app-changed'; readonly appId: string; readonly keys: readonly string[] }
  /** The dashboard's debug console; the body is observe/console-bus.ts's to define and check. */
  | { readonly v: 1; readonly type: 'console'; readonly body: unknown }
  | HttpSessionMessage;

/** Requests of an HTTP fallback session that reached a node that does not hold the session. */
export type HttpSessionMessage =
  | {
      readonly v: 1;
      readonly type: 'http-send';
      readonly session: string;
      readonly origin: string | undefined;
      readonly n: number | undefined;
      readonly messages: readonly string[];
      readonly replyTo: string;
      readonly requestId: string;
    }
  | { readonly v: 1; readonly type: 'http-send-result'; readonly requestId: string; readonly result: HttpForwardResult }
  | {
      readonly v: 1;
      readonly type: 'http-receive';
      readonly session: string;
      readonly kind: 'xhr_streaming' | 'xhr_polling';
      readonly origin: string | undefined;
      readonly n: number | undefined;
      readonly replyTo: string;
      /** Identifies the relayed response on both nodes. */
      readonly proxyId: string;
    }
  | { readonly v: 1; readonly type: 'http-receive-result'; readonly proxyId: string; readonly result: HttpForwardResult }
  | {
      readonly v: 1;
      readonly type: 'http-frames';
      readonly proxyId: string;
      /** write: more of a stream; finish: last text, then end; end: end without text. */
      readonly op: 'write' | 'finish' | 'end';
      readonly text: string;
    }
  | { readonly v: 1; readonly type: 'http-receive-gone'; readonly session: string; readonly proxyId: string };

export type HttpForwardResult = 'accepted' | 'backlog' | 'not-found' | 'origin-mismatch' | 'transport-mismatch';

export interface BrokerHandlers {
  /** A publication from another node for a channel this node subscribed to. */
  onPublication(publication: Publication): void;
  /** A control message from another node. */
  onControl(message: ControlMessage): void;
}

export interface Broker {
  /** Starts receiving `appId`/`channel` traffic; resolves once active, rejects if it cannot be. */
  subscribe(appId: string, channel: string): Promise<void>;
  /** Stops receiving `appId`/`channel` traffic. Never rejects. */
  unsubscribe(appId: string, channel: string): Promise<void>;
  /** Sends to every other node subscribed to the channel. */
  publish(publication: Publication): Promise<void>;
  /**
   * Sends all, in order, in one round trip; resolves once the bus server has them all, rejects
   * (bounded in time) when it may not. A rejection may still have delivered some of them.
   */
  publishConfirmed(publications: readonly Publication[]): Promise<void>;
  /** Sends to one other node (`toNodeId`), or to every other node. */
  publishControl(message: ControlMessage, toNodeId?: string): Promise<void>;
  /** Releases connections and subscriptions; idempotent. */
  close(): Promise<void>;
}

export type BrokerFactory = (handlers: BrokerHandlers) => Promise<Broker>;
