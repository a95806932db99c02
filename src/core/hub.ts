/**
 * The hub: this node's subscribers per app and channel, and delivery to them. A publication is
 * encoded once into a Frame and the same Frame is queued on every recipient; each transport then
 * writes its queue once per event-loop turn.
 */
import type { Publication, RemotePublication } from '../cluster/broker.js';
import { publicationFrame } from '../cluster/publication-frame.js';
import { Frame } from '../protocol/frame.js';

export interface Subscriber {
  readonly socketId: string;
  send(frame: Frame): void;
}

export class Hub {
  readonly #apps = new Map<string, Map<string, Set<Subscriber>>>();

  add(appId: string, channel: string, subscriber: Subscriber): void {
    let channels = this.#apps.get(appId);
    if (channels === undefined) {
      channels = new Map();
      this.#apps.set(appId, channels);
    }
    let subscribers = channels.get(channel);
    if (subscribers === undefined) {
      subscribers = new Set();
      channels.set(channel, subscribers);
    }
    subscribers.add(subscriber);
  }

  remove(appId: string, channel: string, subscriber: Subscriber): void {
    const channels = this.#apps.get(appId);
    const subscribers = channels?.get(channel);
    if (channels === undefined || subscribers === undefined) return;
    subscribers.delete(subscriber);
    if (subscribers.size === 0) {
      channels.delete(channel);
      if (channels.size === 0) this.#apps.delete(appId);
    }
  }

  subscribers(appId: string, channel: string): ReadonlySet<Subscriber> | undefined {
    return this.#apps.get(appId)?.get(channel);
  }

  /** Every channel with local subscribers, as [app id, channel] (read at metrics scrape time). */
  *channels(): Generator<readonly [string, string]> {
    for (const [appId, channels] of this.#apps) for (const channel of channels.keys()) yield [appId, channel];
  }

  /** Delivers to this node's subscribers; returns how many received it. */
  deliver(publication: Publication): number {
    const subscribers = this.#apps.get(publication.appId)?.get(publication.channel);
    if (subscribers === undefined) return 0;
    return this.deliverFrame(subscribers, new Frame(publicationFrame(publication)), publication.exceptSocketId);
  }

  /** Delivers another node's publication: its frame text, as that node encoded it, unparsed. */
  deliverRemote(publication: RemotePublication): number {
    const subscribers = this.#apps.get(publication.appId)?.get(publication.channel);
    if (subscribers === undefined) return 0;
    return this.deliverFrame(subscribers, new Frame(publication.frame), publication.exceptSocketId);
  }

  /** Queues one already-encoded frame on every subscriber but `exceptSocketId`. */
  deliverFrame(subscribers: ReadonlySet<Subscriber>, frame: Frame, exceptSocketId?: string): number {
    if (exceptSocketId === undefined) {
      // Most publications exclude no one: no comparison per recipient.
      for (const subscriber of subscribers) subscriber.send(frame);
      return subscribers.size;
    }
    let delivered = 0;
    for (const subscriber of subscribers) {
      if (subscriber.socketId === exceptSocketId) continue;
      subscriber.send(frame);
      delivered += 1;
    }
    return delivered;
  }
}
