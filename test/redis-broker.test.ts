/** The Redis broker on a real Redis: routing per channel, no echo, control messages broadcast or addressed. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { BrokerHandlers, ControlMessage, Publication } from '../src/cluster/broker.js';
import { RedisBroker } from '../src/cluster/redis/redis-broker.js';
import { RawJson } from '../src/protocol/raw-json.js';
import { REDIS_URL, uniquePrefix } from './helpers/services.js';
import { Waiters } from './helpers/wait.js';

class Inbox implements BrokerHandlers {
  readonly publications: Publication[] = [];
  readonly controls: ControlMessage[] = [];
  readonly #waiters = new Waiters();

  onPublication(publication: Publication): void {
    this.publications.push(publication);
    this.#waiters.notify();
  }

  onControl(message: ControlMessage): void {
    this.controls.push(message);
    this.#waiters.notify();
  }

  /** Resolves once `condition` holds; the test's timeout bounds the wait. */
  until(condition: () => boolean): Promise<void> {
    return this.#waiters.until(condition);
  }
}

const userOf = (message: ControlMessage): string | undefined => (message.type === 'terminate-user' ? message.userId : undefined);

describe('Redis broker', () => {
  const prefix = uniquePrefix('broker');
  const inboxes = [new Inbox(), new Inbox(), new Inbox()] as const;
  let brokers: RedisBroker[] = [];
  before(async () => {
    brokers = await Promise.all(
      inboxes.map((inbox, index) => RedisBroker.connect({ target: { kind: 'server', url: REDIS_URL }, keyPrefix: prefix, nodeId: `node-${index}` }, inbox)),
    );
  });
  after(() => Promise.all(brokers.map((broker) => broker.close())));
  const broker = (index: number): RedisBroker => brokers[index] as RedisBroker;

  it('delivers only to subscribed nodes, never back to the publisher', async () => {
    await broker(0).subscribe('app', 'c');
    await broker(1).subscribe('app', 'c');
    const sent: Publication = { appId: 'app', channel: 'c', event: 'e', data: new RawJson('{"n":1}'), userId: 'u', exceptSocketId: '1.2' };
    await broker(0).publish(sent);
    await inboxes[1].until(() => inboxes[1].publications.length === 1);
    assert.deepEqual(inboxes[1].publications[0], sent);
    await broker(1).publish({ appId: 'app', channel: 'c', event: 'marker', data: undefined });
    await inboxes[0].until(() => inboxes[0].publications.length === 1);
    assert.equal(inboxes[0].publications[0]?.event, 'marker', 'its own publication never came back');
    assert.equal(inboxes[2].publications.length, 0, 'a node without subscribers receives nothing');
  });

  it('broadcasts control messages, or addresses them to one node', async () => {
    await broker(0).publishControl({ v: 1, type: 'terminate-user', appId: 'app', userId: 'for-2' }, 'node-2');
    await broker(0).publishControl({ v: 1, type: 'terminate-user', appId: 'app', userId: 'for-all' });
    for (const inbox of [inboxes[1], inboxes[2]]) {
      await inbox.until(() => inbox.controls.some((message) => userOf(message) === 'for-all'));
    }
    await inboxes[2].until(() => inboxes[2].controls.some((message) => userOf(message) === 'for-2'));
    assert.ok(!inboxes[1].controls.some((message) => userOf(message) === 'for-2'), 'another node never sees it');
    assert.ok(!inboxes[0].controls.length, 'the sender sees neither');
  });
});
