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
 *
 * `control` carries the other node-to-node messages, on the same at-most-once bus.
 */
import type { RawJson } from '../protocol/raw-json.js';
import type { ControlBus } from './control-bus.js';

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
  /**
   * The client frame (publication-frame.ts) once encoded: the publishing node encodes it once,
   * for its own sockets and for the bus. Absent: encoded from the fields above where needed.
   */
  readonly frame?: string | undefined;
}

/**
 * A publication as another node sent it: the routing fields and the client frame that node
 * encoded (`{"event":..,"channel":..,"data":..,"user_id":..}`, see publication-frame.ts), handed
 * to local subscribers as is: the receiving node neither parses nor re-encodes it, so it is byte
 * for byte what the publishing node's own subscribers received.
 */
export interface RemotePublication {
  readonly appId: string;
  readonly channel: string;
  /** The event name (for logs and tests; the frame carries it too). */
  readonly event: string;
  readonly exceptSocketId?: string | undefined;
  /** The client frame's JSON text. */
  readonly frame: string;
}

export interface BrokerHandlers {
  /** A publication from another node for a channel this node subscribed to. */
  onPublication(publication: RemotePublication): void;
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
  /**
   * Control messages (not channel traffic) to one node or to every other node, and requests with
   * a reply: each feature declares its kinds and registers its handlers here (control-bus.ts).
   */
  readonly control: ControlBus;
  /** Releases connections and subscriptions, and fails pending asks; idempotent. */
  close(): Promise<void>;
}

export type BrokerFactory = (handlers: BrokerHandlers) => Promise<Broker>;
