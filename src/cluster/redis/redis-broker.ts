/**
 * Broker on Redis pub/sub: one Redis channel per app channel, subscribed only while this node has
 * local subscribers, plus a control channel every node listens to. At most once: a publish while
 * Redis is unreachable fails at once, and one while it is hung within the client's command
 * timeout (see redis-client.ts); nothing is queued. After a reconnect
 * the client re-subscribes every channel it had.
 */
import type { Redis } from 'ioredis';
import type { Logger } from '../../shared/logger.js';
import type { Broker, BrokerHandlers, Publication } from '../broker.js';
import { decodeControl, decodePublication, encodeControl, encodePublication } from '../bus-codec.js';
import { ControlBus } from '../control-bus.js';
import { RedisKeys } from './keys.js';
import { connectRedis } from './redis-client.js';
import type { RedisTarget } from '../../config/redis-target.js';

export interface RedisBrokerOptions {
  readonly target: RedisTarget;
  readonly keyPrefix: string;
  readonly nodeId: string;
  readonly logger: Logger;
}

export class RedisBroker implements Broker {
  readonly #publisher: Redis;
  readonly #subscriber: Redis;
  readonly #keys: RedisKeys;
  readonly #nodeId: string;
  readonly control: ControlBus;
  #closed: Promise<void> | undefined;

  private constructor(publisher: Redis, subscriber: Redis, keys: RedisKeys, options: RedisBrokerOptions) {
    this.#publisher = publisher;
    this.#subscriber = subscriber;
    this.#keys = keys;
    this.#nodeId = options.nodeId;
    this.control = new ControlBus({
      nodeId: options.nodeId,
      logger: options.logger,
      send: async (envelope, toNodeId) => {
        const topic = toNodeId === undefined ? keys.controlTopic : keys.nodeTopic(toNodeId);
        await publisher.publish(topic, encodeControl(options.nodeId, envelope, toNodeId));
      },
    });
  }

  static async connect(options: RedisBrokerOptions, handlers: BrokerHandlers): Promise<RedisBroker> {
    const keys = new RedisKeys(options.keyPrefix);
    const publisher = await connectRedis({ target: options.target, name: `switchboard-pub-${options.nodeId}` });
    let subscriber: Redis;
    try {
      subscriber = await connectRedis({ target: options.target, name: `switchboard-sub-${options.nodeId}` });
    } catch (error) {
      publisher.disconnect();
      throw error;
    }
    const broker = new RedisBroker(publisher, subscriber, keys, options);
    const control = keys.controlTopic;
    const direct = keys.nodeTopic(options.nodeId);
    subscriber.on('message', (topic: string, text: string) => {
      if (topic === control || topic === direct) {
        const decoded = decodeControl(options.nodeId, text);
        if (decoded !== undefined) broker.control.receive(decoded);
        return;
      }
      const publication = decodePublication(options.nodeId, text);
      if (publication !== undefined) handlers.onPublication(publication);
    });
    try {
      await subscriber.subscribe(control, direct);
    } catch (error) {
      await broker.close();
      throw error;
    }
    return broker;
  }

  async subscribe(appId: string, channel: string): Promise<void> {
    await this.#subscriber.subscribe(this.#keys.channelTopic(appId, channel));
  }

  async unsubscribe(appId: string, channel: string): Promise<void> {
    await this.#subscriber.unsubscribe(this.#keys.channelTopic(appId, channel));
  }

  async publish(publication: Publication): Promise<void> {
    await this.#publisher.publish(
      this.#keys.channelTopic(publication.appId, publication.channel),
      encodePublication(this.#nodeId, publication),
    );
  }

  /** One pipeline: one write and one round trip for the whole request. */
  async publishConfirmed(publications: readonly Publication[]): Promise<void> {
    const pipeline = this.#publisher.pipeline();
    for (const publication of publications) {
      pipeline.publish(this.#keys.channelTopic(publication.appId, publication.channel), encodePublication(this.#nodeId, publication));
    }
    const results = await pipeline.exec();
    const failed = results?.find(([error]) => error !== null)?.[0];
    if (failed !== undefined && failed !== null) throw failed;
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.control.close();
      this.#subscriber.disconnect();
      this.#publisher.disconnect();
      return Promise.resolve();
    })();
    return this.#closed;
  }
}
