/**
 * The NATS broker against a real NATS server: the Broker contract (routing, control messages,
 * asks), then what is NATS's own (subject escaping, the codec guard, close, outages). Absence of
 * a delivery is proven with a marker published after it: NATS keeps one publisher's order, so once
 * the marker arrives, anything published before it would have arrived too.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { brokerContract } from '../src/cluster/broker.contract.js';
import type { BrokerHandlers, Publication, RemotePublication } from '../src/cluster/broker.js';
import { publicationFrame } from '../src/cluster/publication-frame.js';
import { NatsBroker } from '../src/cluster/nats/nats-broker.js';
import { silentLogger } from '../src/shared/logger.js';
import { RawJson } from '../src/protocol/raw-json.js';
import { uniqueNatsPrefix } from './helpers/nats.js';
import { PrivateNatsServer } from './helpers/nats-server.js';
import { NATS_SERVERS } from './helpers/services.js';
import { eventually } from './helpers/wait.js';

const ARRIVAL_TIMEOUT_MS = 10_000;

/** Collects what a broker hands to its node, and waits for it. */
class Inbox implements BrokerHandlers {
  readonly publications: RemotePublication[] = [];
  #waiters: (() => void)[] = [];

  onPublication(publication: RemotePublication): void {
    this.publications.push(publication);
    this.#wake();
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) waiter();
  }

  /** Resolves once a publication of `event` has arrived. */
  publication(event: string): Promise<RemotePublication> {
    return this.#first(() => this.publications.find((publication) => publication.event === event), `publication ${event}`);
  }

  /** Waits for something to arrive; fails after a bound rather than hanging the file. */
  async #first<T>(find: () => T | undefined, what: string): Promise<T> {
    const deadline = Date.now() + ARRIVAL_TIMEOUT_MS;
    for (;;) {
      const found = find();
      if (found !== undefined) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${what} never arrived`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  events(): string[] {
    return this.publications.map((publication) => publication.event);
  }
}

/** An app id NATS could not carry raw in a subject. */
const APP = 'app.1 *>';

const publication = (channel: string, event: string, extra: Partial<Publication> = {}): Publication => ({
  appId: APP,
  channel,
  event,
  data: 'x',
  ...extra,
});

brokerContract('nats', () => {
  const prefix = uniqueNatsPrefix('contract');
  return Promise.resolve({
    connect: (nodeId, handlers) => NatsBroker.connect({ servers: NATS_SERVERS, prefix, nodeId, logger: silentLogger }, handlers),
    close: () => Promise.resolve(),
  });
});

describe('NATS broker', () => {
  const prefix = uniqueNatsPrefix('broker');
  const inboxA = new Inbox();
  const inboxB = new Inbox();
  let a: NatsBroker;
  let b: NatsBroker;
  before(async () => {
    a = await NatsBroker.connect({ servers: NATS_SERVERS, prefix, nodeId: 'node-a', logger: silentLogger }, inboxA);
    b = await NatsBroker.connect({ servers: NATS_SERVERS, prefix, nodeId: 'node-b', logger: silentLogger }, inboxB);
  });
  after(async () => {
    await a.close();
    await b.close();
  });

  it('delivers a publication to a subscribed node, with every field, and not back to its publisher', async () => {
    // Names NATS could not carry raw: dots, spaces, wildcards.
    const channel = 'presence-room.1 *>';
    await a.subscribe(APP, channel);
    await b.subscribe(APP, channel);
    const sent = publication(channel, 'hello', { data: new RawJson('{"n":1}'), userId: 7, exceptSocketId: '1.2' });
    await a.publish(sent);
    const { appId, event, exceptSocketId } = sent;
    assert.deepEqual(await inboxB.publication('hello'), { appId, channel, event, exceptSocketId, frame: publicationFrame(sent) });
    await b.publish(publication(channel, 'marker-1'));
    await inboxA.publication('marker-1');
    assert.deepEqual(inboxA.events(), ['marker-1'], 'a node never receives its own publication');
  });

  it('keeps apps and channels apart', async () => {
    await b.subscribe(APP, 'only-this');
    await a.publish(publication('not-this', 'wrong-channel'));
    await a.publish({ ...publication('only-this', 'wrong-app'), appId: 'app-2' });
    await a.publish(publication('only-this', 'marker-2'));
    await inboxB.publication('marker-2');
    assert.ok(!inboxB.events().includes('wrong-channel'));
    assert.ok(!inboxB.events().includes('wrong-app'));
  });

  it('stops delivering after unsubscribe', async () => {
    await b.subscribe(APP, 'leaving');
    await a.publish(publication('leaving', 'before-leave'));
    await inboxB.publication('before-leave');
    await b.unsubscribe(APP, 'leaving');
    // A later subscribe flushes B's connection, so the server has processed the unsubscribe.
    await b.subscribe(APP, 'marker-channel');
    await a.publish(publication('leaving', 'after-leave'));
    await a.publish(publication('marker-channel', 'marker-3'));
    await inboxB.publication('marker-3');
    assert.ok(!inboxB.events().includes('after-leave'));
  });

  it('drops publications carrying its own node id from another connection (the codec guard)', async () => {
    const twinInbox = new Inbox();
    const twin = await NatsBroker.connect({ servers: NATS_SERVERS, prefix, nodeId: 'node-a', logger: silentLogger }, twinInbox);
    try {
      await twin.subscribe(APP, 'twin');
      await a.publish(publication('twin', 'same-node'));
      await b.publish(publication('twin', 'marker-4'));
      await twinInbox.publication('marker-4');
      assert.deepEqual(twinInbox.events(), ['marker-4']);
    } finally {
      await twin.close();
    }
  });

  it('rejects after close, and closes idempotently', async () => {
    const broker = await NatsBroker.connect({ servers: NATS_SERVERS, prefix, nodeId: 'node-c', logger: silentLogger }, new Inbox());
    await Promise.all([broker.close(), broker.close()]);
    await assert.rejects(broker.publish(publication('c', 'e')));
    await assert.rejects(broker.subscribe('app', 'c'));
    await broker.unsubscribe('app', 'c');
  });

  it('refuses to start when NATS cannot be reached', async () => {
    const server = await PrivateNatsServer.start();
    const url = server.url;
    await server.close();
    await assert.rejects(NatsBroker.connect({ servers: [url], prefix, nodeId: 'node-d', logger: silentLogger }, new Inbox()), /cannot connect to NATS/);
  });
});

describe('NATS broker across a NATS restart', () => {
  let server: PrivateNatsServer;
  before(async () => {
    server = await PrivateNatsServer.start();
  });
  after(() => server.close());

  it('fails fast during the outage, then reconnects and re-subscribes by itself', async () => {
    const prefix = uniqueNatsPrefix('outage');
    const inboxA = new Inbox();
    const inboxB = new Inbox();
    const a = await NatsBroker.connect({ servers: [server.url], prefix, nodeId: 'node-a', logger: silentLogger }, inboxA);
    const b = await NatsBroker.connect({ servers: [server.url], prefix, nodeId: 'node-b', logger: silentLogger }, inboxB);
    try {
      await b.subscribe(APP, 'kept');
      await a.publish(publication('kept', 'before'));
      await inboxB.publication('before');

      await server.kill();
      // Nothing is queued while NATS is gone: publishing and subscribing fail at once.
      await eventually(() => a.publish(publication('kept', 'lost')).then(() => false, () => true), 'publish to fail');
      await assert.rejects(b.subscribe(APP, 'during'));

      await server.restart();
      // Both reconnect by themselves; a subscribe that succeeds shows B is back and, by flushing,
      // that the server has B's re-sent subscriptions.
      await eventually(() => b.subscribe(APP, 'probe').then(() => true, () => false), 'B to reconnect');
      await eventually(() => a.publish(publication('probe', 'ping')).then(() => true, () => false), 'A to reconnect');
      await a.publish(publication('kept', 'after'));
      await inboxB.publication('after');
      assert.ok(!inboxB.events().includes('lost'), 'what was published during the outage is dropped');
    } finally {
      await a.close();
      await b.close();
    }
  });
});
