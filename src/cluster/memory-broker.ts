/**
 * The in-process bus. A `MemoryBus` stands for the bus server; each `MemoryBroker` connected to it
 * is one node. Alone (the memory driver of a single node) nothing travels; with several nodes on
 * one bus, cluster logic runs in one process in milliseconds (tests), with the same guarantees
 * as the real brokers: at most once, in publish order per publishing node, never back to the
 * publisher, delivered asynchronously, and through the wire codec (a receiving node gets its own
 * decoded copy, not the sender's objects).
 */
import type { Logger } from '../shared/logger.js';
import type { Broker, BrokerHandlers, Publication } from './broker.js';
import { decodeControl, decodePublication, encodeControl, encodePublication } from './bus-codec.js';
import { ControlBus } from './control-bus.js';

export interface MemoryBrokerOptions {
  readonly nodeId: string;
  readonly logger: Logger;
  /** See ControlBusOptions. */
  readonly maxPendingAsks?: number;
}

const RESOLVED = Promise.resolve();

export class MemoryBus {
  readonly #nodes = new Map<string, MemoryBroker>();
  /** Topic (app and channel) -> the nodes subscribed to it. */
  readonly #topics = new Map<string, Set<MemoryBroker>>();

  /** Connects a node; a node id already on the bus is refused. */
  connect(options: MemoryBrokerOptions, handlers: BrokerHandlers): MemoryBroker {
    if (this.#nodes.has(options.nodeId)) throw new Error(`node ${options.nodeId} is already on this bus`);
    const broker = new MemoryBroker(this, options, handlers);
    this.#nodes.set(options.nodeId, broker);
    return broker;
  }

  /** Nodes connected now. */
  get nodeIds(): readonly string[] {
    return [...this.#nodes.keys()];
  }

  /** @internal The broker's side of the bus. */
  alone(): boolean {
    return this.#nodes.size <= 1;
  }

  /** @internal */
  subscribe(topic: string, broker: MemoryBroker): void {
    let nodes = this.#topics.get(topic);
    if (nodes === undefined) this.#topics.set(topic, (nodes = new Set()));
    nodes.add(broker);
  }

  /** @internal */
  unsubscribe(topic: string, broker: MemoryBroker): void {
    const nodes = this.#topics.get(topic);
    if (nodes === undefined) return;
    nodes.delete(broker);
    if (nodes.size === 0) this.#topics.delete(topic);
  }

  /** @internal Hands `text` to every other node subscribed to `topic`, each on a later microtask. */
  publish(from: MemoryBroker, topic: string, text: string): void {
    const nodes = this.#topics.get(topic);
    if (nodes === undefined) return;
    for (const node of nodes) if (node !== from) queueMicrotask(() => node.receivePublication(text));
  }

  /** @internal To one node (absent: lost, as on a real bus), or to every other node. */
  sendControl(from: MemoryBroker, text: string, toNodeId: string | undefined): void {
    const targets = toNodeId === undefined ? [...this.#nodes.values()] : [this.#nodes.get(toNodeId)];
    for (const node of targets) if (node !== undefined && node !== from) queueMicrotask(() => node.receiveControl(text));
  }

  /** @internal */
  leave(broker: MemoryBroker): void {
    if (this.#nodes.get(broker.nodeId) === broker) this.#nodes.delete(broker.nodeId);
    for (const [topic, nodes] of this.#topics) {
      nodes.delete(broker);
      if (nodes.size === 0) this.#topics.delete(topic);
    }
  }
}

export class MemoryBroker implements Broker {
  readonly nodeId: string;
  readonly control: ControlBus;
  readonly #bus: MemoryBus;
  readonly #handlers: BrokerHandlers;
  #closed = false;

  /** Use `MemoryBus.connect`, or `MemoryBroker.alone` for a single node. */
  constructor(bus: MemoryBus, options: MemoryBrokerOptions, handlers: BrokerHandlers) {
    this.#bus = bus;
    this.nodeId = options.nodeId;
    this.#handlers = handlers;
    this.control = new ControlBus({
      nodeId: options.nodeId,
      logger: options.logger,
      ...(options.maxPendingAsks === undefined ? {} : { maxPendingAsks: options.maxPendingAsks }),
      send: (envelope, toNodeId) => {
        if (this.#closed) return Promise.reject(new Error('the broker is closed'));
        this.#bus.sendControl(this, encodeControl(this.nodeId, envelope, toNodeId), toNodeId);
        return RESOLVED;
      },
    });
  }

  /** A single node's broker: a bus of its own, where nothing travels. */
  static alone(options: MemoryBrokerOptions, handlers: BrokerHandlers): MemoryBroker {
    return new MemoryBus().connect(options, handlers);
  }

  subscribe(appId: string, channel: string): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('the broker is closed'));
    this.#bus.subscribe(topicOf(appId, channel), this);
    return RESOLVED;
  }

  unsubscribe(appId: string, channel: string): Promise<void> {
    this.#bus.unsubscribe(topicOf(appId, channel), this);
    return RESOLVED;
  }

  publish(publication: Publication): Promise<void> {
    // The single-node case costs one check: no key, no encoding (and, as before, never fails).
    if (this.#bus.alone()) return RESOLVED;
    if (this.#closed) return Promise.reject(new Error('the broker is closed'));
    this.#bus.publish(this, topicOf(publication.appId, publication.channel), encodePublication(this.nodeId, publication));
    return RESOLVED;
  }

  async publishConfirmed(publications: readonly Publication[]): Promise<void> {
    for (const publication of publications) await this.publish(publication);
  }

  close(): Promise<void> {
    if (this.#closed) return RESOLVED;
    this.#closed = true;
    this.control.close();
    this.#bus.leave(this);
    return RESOLVED;
  }

  /** @internal Called by the bus. */
  receivePublication(text: string): void {
    if (this.#closed) return;
    const publication = decodePublication(this.nodeId, text);
    if (publication !== undefined) this.#handlers.onPublication(publication);
  }

  /** @internal Called by the bus. */
  receiveControl(text: string): void {
    if (this.#closed) return;
    const decoded = decodeControl(this.nodeId, text);
    if (decoded !== undefined) this.control.receive(decoded);
  }
}

function topicOf(appId: string, channel: string): string {
  return `${appId}\u0000${channel}`;
}
