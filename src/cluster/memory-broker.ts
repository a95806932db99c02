/** The single-node broker: there are no other nodes, so nothing travels. */
import type { Broker } from './broker.js';

export class MemoryBroker implements Broker {
  subscribe(): Promise<void> {
    return Promise.resolve();
  }

  unsubscribe(): Promise<void> {
    return Promise.resolve();
  }

  publish(): Promise<void> {
    return Promise.resolve();
  }

  publishConfirmed(): Promise<void> {
    return Promise.resolve();
  }

  publishControl(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
