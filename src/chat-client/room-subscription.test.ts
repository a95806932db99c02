/**
 * RoomSubscription's merge rules against a fake API and a fake channel, where the order of events
 * is fully controlled: live messages held during a catch-up, duplicates, a skipped id, a hole the
 * server cannot fill, and retention.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChatApi } from './chat-api.js';
import { RoomSubscription } from './room-subscription.js';
import type { Message, MessagePage, PusherChannelLike, PusherLike } from './types.js';

const message = (id: number): Message => ({ id, room_id: 'r', sender_id: 's', parts: [], created_at: id, edited_at: null, deleted_at: null });

class FakeChannel implements PusherChannelLike {
  readonly handlers = new Map<string, (data: unknown) => void>();
  bind(event: string, callback: (data: unknown) => void): void {
    this.handlers.set(event, callback);
  }
  unbind(): void {
    this.handlers.clear();
  }
  emit(event: string, data: unknown): void {
    this.handlers.get(event)?.(data);
  }
}

/** Stored ids 1..last (from `first`); each fetch may run a step first (a send racing it). */
function fixture(store: { first: number; last: number; missing?: Set<number> }) {
  const channel = new FakeChannel();
  const pusher: PusherLike = { subscribe: () => channel, unsubscribe: () => undefined, disconnect: () => undefined, connection: { bind: () => undefined, state: 'connected' } };
  const beforeFetch: (() => void)[] = [];
  let fetches = 0;
  const api = {
    messages: (_room: string, query: { after?: number; before?: number; limit?: number }): Promise<MessagePage> => {
      fetches += 1;
      beforeFetch.shift()?.();
      const limit = query.limit ?? 50;
      const ids: number[] = [];
      if (query.after !== undefined) {
        for (let id = Math.max(query.after + 1, store.first); id <= store.last && ids.length < limit; id += 1) if (store.missing?.has(id) !== true) ids.push(id);
      } else {
        for (let id = store.last; id >= store.first && ids.length < limit; id -= 1) ids.unshift(id);
      }
      return Promise.resolve({ messages: ids.map(message), first_message_id: store.first, last_message_id: store.last });
    },
  } as unknown as ChatApi;
  const delivered: number[] = [];
  const gaps: { from: number; to: number }[] = [];
  let settled: () => void = () => undefined;
  return {
    channel,
    beforeFetch,
    delivered,
    gaps,
    get fetches() {
      return fetches;
    },
    start(after?: number) {
      const room = new RoomSubscription(
        api,
        pusher,
        'r',
        {
          onMessage: (received) => {
            delivered.push(received.id);
            settled();
          },
          onDiscontinuity: (gap) => gaps.push(gap),
        },
        after === undefined ? {} : { after },
      );
      room.start();
      return room;
    },
    /** Resolves once `count` messages are delivered. */
    until(count: number): Promise<void> {
      return new Promise((resolve) => {
        settled = () => delivered.length >= count && resolve();
        settled();
      });
    },
  };
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, index) => from + index);

describe('RoomSubscription', () => {
  it('holds live messages during the catch-up and merges them once, in order', async () => {
    const store = { first: 1, last: 5 };
    const room = fixture(store);
    room.start(2);
    // While the first fetch runs, 6 and 7 are committed and arrive live (7 before 6).
    room.beforeFetch.push(() => {
      store.last = 7;
      room.channel.emit('chat-message', message(7));
      room.channel.emit('chat-message', message(6));
      room.channel.emit('chat-message', message(4));
    });
    room.channel.emit('pusher:subscription_succeeded', undefined);
    await room.until(5);
    assert.deepEqual(room.delivered, [3, 4, 5, 6, 7]);
  });

  it('fetches what a skipped id leaves out, and drops late duplicates', async () => {
    const store = { first: 1, last: 3 };
    const room = fixture(store);
    room.start(0);
    room.channel.emit('pusher:subscription_succeeded', undefined);
    await room.until(3);
    store.last = 6;
    room.channel.emit('chat-message', message(6));
    await room.until(6);
    room.channel.emit('chat-message', message(5));
    room.channel.emit('chat-message', message(4));
    assert.deepEqual(room.delivered, range(1, 6));
  });

  it('says when the gap is older than the room keeps, then goes on from the oldest kept', async () => {
    const room = fixture({ first: 101, last: 120 });
    room.start(20);
    room.channel.emit('pusher:subscription_succeeded', undefined);
    await room.until(20);
    assert.deepEqual(room.gaps, [{ from: 21, to: 100 }]);
    assert.deepEqual(room.delivered, range(101, 120));
  });

  it('does not wait forever for ids the server does not have: two fetches bring nothing, then a discontinuity', async () => {
    const room = fixture({ first: 1, last: 2 });
    room.start(0);
    room.channel.emit('pusher:subscription_succeeded', undefined);
    await room.until(2);
    // A live 5 the store cannot back (a room deleted and re-created, say).
    room.channel.emit('chat-message', message(5));
    await room.until(3);
    assert.deepEqual(room.delivered, [1, 2, 5]);
    assert.deepEqual(room.gaps, [{ from: 3, to: 4 }]);
    assert.ok(room.fetches >= 3, `${room.fetches} fetches`);
  });

  it('reports ids a fetched page skips as a discontinuity', async () => {
    const room = fixture({ first: 1, last: 5, missing: new Set([3, 4]) });
    room.start(0);
    room.channel.emit('pusher:subscription_succeeded', undefined);
    await room.until(3);
    assert.deepEqual(room.delivered, [1, 2, 5]);
    assert.deepEqual(room.gaps, [{ from: 3, to: 4 }]);
  });

  it('starts with the newest page when no id is given, then stays gap-free', async () => {
    const store = { first: 1, last: 80 };
    const room = fixture(store);
    room.start();
    room.channel.emit('pusher:subscription_succeeded', undefined);
    await room.until(50);
    assert.deepEqual(room.delivered, range(31, 80));
    store.last = 81;
    room.channel.emit('chat-message', message(81));
    await room.until(51);
    assert.equal(room.delivered.at(-1), 81);
  });
});
