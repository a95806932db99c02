/**
 * Broker on NATS core pub/sub: one subject per app channel, subscribed only while this node has
 * local subscribers, plus a control subject every node listens to. The connection is opened with
 * no-echo, so the server never hands a node its own publications (the codec's node id check stays
 * as a second guard).
 *
 * At most once: while NATS is unreachable `publish` and `subscribe` fail at once and nothing is
 * queued. The client reconnects by itself and re-sends every subscription it holds, so traffic
 * resumes without the engine doing anything; what was published during the outage is lost.
 *
 * `publishConfirmed` publishes, then flushes (a ping the server answers once it has processed
 * everything before it), and fails after CLUSTER_CALL_TIMEOUT_MS without an answer. A hung server
 * stops reading, so what is written piles up in the socket until the client calls the connection
 * stale; while MAX_UNCONFIRMED_BYTES of confirmed publications await their flush, more are
 * refused at once.
 */
import type { Subscription } from '@nats-io/transport-node';
import type { Logger } from '../../shared/logger.js';
import type { Broker, BrokerHandlers, Publication } from '../broker.js';
import { decodeControl, decodePublication, encodeControl, encodePublication } from '../bus-codec.js';
import { ControlBus } from '../control-bus.js';
import { CLUSTER_CALL_TIMEOUT_MS } from '../unavailable.js';
import { NatsLink, NatsUnavailableError, withDeadline } from './nats-link.js';
import { NatsNames } from './nats-names.js';

export interface NatsBrokerOptions {
  readonly servers: readonly string[];
  readonly prefix: string;
  readonly nodeId: string;
  readonly logger: Logger;
}

const MAX_UNCONFIRMED_BYTES = 16 * 1024 * 1024;

export class NatsBroker implements Broker {
  readonly #link: NatsLink;
  readonly #names: NatsNames;
  readonly #nodeId: string;
  readonly #handlers: BrokerHandlers;
  /** Subject -> its subscription and when the server has registered it. */
  readonly #subscriptions = new Map<string, { readonly subscription: Subscription; readonly active: Promise<void> }>();
  /** Bytes of `publishConfirmed` whose flush has not settled (it does on answer or disconnect). */
  #unconfirmedBytes = 0;
  readonly control: ControlBus;
  #closed: Promise<void> | undefined;

  private constructor(link: NatsLink, names: NatsNames, options: NatsBrokerOptions, handlers: BrokerHandlers) {
    this.#link = link;
    this.#names = names;
    this.#nodeId = options.nodeId;
    this.#handlers = handlers;
    this.control = new ControlBus({
      nodeId: options.nodeId,
      logger: options.logger,
      send: (envelope, toNodeId) => {
        const subject = toNodeId === undefined ? names.controlSubject : names.nodeSubject(toNodeId);
        return this.#send(subject, encodeControl(options.nodeId, envelope, toNodeId));
      },
    });
  }

  static async connect(options: NatsBrokerOptions, handlers: BrokerHandlers): Promise<NatsBroker> {
    const link = await NatsLink.connect({ servers: options.servers, name: `switchboard-bus-${options.nodeId}`, noEcho: true });
    const broker = new NatsBroker(link, new NatsNames(options.prefix), options, handlers);
    try {
      for (const subject of [broker.#names.controlSubject, broker.#names.nodeSubject(options.nodeId)]) {
        link.connection.subscribe(subject, {
          callback: (error, message) => {
            if (error !== null) return;
            const decoded = decodeControl(options.nodeId, message.string());
            if (decoded !== undefined) broker.control.receive(decoded);
          },
        });
      }
      await link.connection.flush();
    } catch (error) {
      await broker.close();
      throw error;
    }
    return broker;
  }

  subscribe(appId: string, channel: string): Promise<void> {
    const subject = this.#names.channelSubject(appId, channel);
    const existing = this.#subscriptions.get(subject);
    if (existing !== undefined) return existing.active;
    if (!this.#link.connected) return Promise.reject(new NatsUnavailableError());
    const subscription = this.#link.connection.subscribe(subject, {
      callback: (error, message) => {
        if (error !== null) return;
        const publication = decodePublication(this.#nodeId, message.string());
        if (publication !== undefined) this.#handlers.onPublication(publication);
      },
    });
    // The server has registered the subscription once it answers a ping sent after it.
    const active = this.#link.connection.flush().catch((error: unknown) => {
      if (this.#subscriptions.get(subject)?.subscription === subscription) this.#subscriptions.delete(subject);
      subscription.unsubscribe();
      throw error;
    });
    this.#subscriptions.set(subject, { subscription, active });
    return active;
  }

  unsubscribe(appId: string, channel: string): Promise<void> {
    const subject = this.#names.channelSubject(appId, channel);
    const entry = this.#subscriptions.get(subject);
    this.#subscriptions.delete(subject);
    // Never throws: on a closed connection it does nothing.
    entry?.subscription.unsubscribe();
    return Promise.resolve();
  }

  publish(publication: Publication): Promise<void> {
    return this.#send(this.#names.channelSubject(publication.appId, publication.channel), encodePublication(this.#nodeId, publication));
  }

  async publishConfirmed(publications: readonly Publication[]): Promise<void> {
    if (this.#unconfirmedBytes >= MAX_UNCONFIRMED_BYTES) {
      throw new NatsUnavailableError(`${String(this.#unconfirmedBytes)} bytes already await the server's answer`);
    }
    let bytes = 0;
    for (const publication of publications) {
      const payload = encodePublication(this.#nodeId, publication);
      bytes += payload.length;
      await this.#send(this.#names.channelSubject(publication.appId, publication.channel), payload);
    }
    this.#unconfirmedBytes += bytes;
    const flushed = this.#link.connection.flush().finally(() => {
      this.#unconfirmedBytes -= bytes;
    });
    await withDeadline(flushed, CLUSTER_CALL_TIMEOUT_MS, 'the server did not confirm the publications');
  }

  #send(subject: string, payload: string): Promise<void> {
    if (!this.#link.connected) return Promise.reject(new NatsUnavailableError());
    try {
      // Hands the bytes to the socket (NATS acknowledges nothing); throws over the server's max payload.
      this.#link.connection.publish(subject, payload);
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.control.close();
      this.#subscriptions.clear();
      await this.#link.close();
    })();
    return this.#closed;
  }
}
