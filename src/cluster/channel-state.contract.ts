/**
 * The ChannelState contract, run against every implementation (memory, Redis, NATS). Each
 * implementation's test file calls `channelStateContract` with a factory for a fresh, empty state.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { JsonValue } from '../protocol/json.js';
import { encodePresenceSucceeded } from '../protocol/presence-snapshot.js';
import type { ChannelState, DueTransition, JoinResult } from './channel-state.js';

export interface StateFixture {
  readonly channels: ChannelState;
  close(): Promise<void>;
}

let counter = 0;
/** Unique app ids keep tests independent even on a shared backing store. */
function appId(): string {
  counter += 1;
  return `contract-${process.pid}-${Date.now()}-${counter}`;
}

/** The due transitions of one app (other tests' apps may share the backing store). */
function dueFor(due: readonly DueTransition[], app: string): DueTransition[] {
  return due.filter((entry) => entry.appId === app).map((entry) => ({ ...entry }));
}

function ok(result: JoinResult): Extract<JoinResult, { ok: true }> {
  if (!result.ok) assert.fail(`join refused: ${result.reason}`);
  return result;
}

interface Snapshot {
  readonly ids: readonly (string | number)[];
  readonly hash: Readonly<Record<string, JsonValue>>;
  readonly count: number;
}

/** The join's presence members as the joining client reads them in subscription_succeeded. */
function snapshot(result: Extract<JoinResult, { ok: true }>): Snapshot {
  if (result.presence === undefined) assert.fail('no presence members in a presence join');
  const frame = JSON.parse(encodePresenceSucceeded('presence-x', result.presence)) as { data: string };
  return (JSON.parse(frame.data) as { presence: Snapshot }).presence;
}

export function channelStateContract(name: string, create: () => Promise<StateFixture>): void {
  describe(`ChannelState contract: ${name}`, () => {
    let fixture: StateFixture;
    let state: ChannelState;
    before(async () => {
      fixture = await create();
      state = fixture.channels;
    });
    after(() => fixture.close());

    it('reports the first subscriber as occupied and counts subscriptions', async () => {
      const app = appId();
      const first = ok(await state.join({ appId: app, channel: 'c', socketId: '1.1' }));
      assert.equal(first.occupied, true);
      assert.equal(first.subscriptionCount, 1);
      assert.equal(first.presence, undefined);
      const second = ok(await state.join({ appId: app, channel: 'c', socketId: '1.2' }));
      assert.equal(second.occupied, false);
      assert.equal(second.subscriptionCount, 2);
      assert.deepEqual(await state.summary(app, 'c'), { subscriptionCount: 2, userCount: 0 });
    });

    it('treats a repeated join of the same socket as a no-op', async () => {
      const app = appId();
      ok(await state.join({ appId: app, channel: 'c', socketId: '1.1' }));
      const again = ok(await state.join({ appId: app, channel: 'c', socketId: '1.1' }));
      assert.equal(again.occupied, false);
      assert.equal(again.subscriptionCount, 1);
    });

    it('reports vacated on the last leave and ignores leaves of non-subscribers', async () => {
      const app = appId();
      ok(await state.join({ appId: app, channel: 'c', socketId: '1.1' }));
      ok(await state.join({ appId: app, channel: 'c', socketId: '1.2' }));
      const stranger = await state.leave({ appId: app, channel: 'c', socketId: '9.9' });
      assert.equal(stranger.vacated, false);
      assert.equal(stranger.subscriptionCount, 2);
      const first = await state.leave({ appId: app, channel: 'c', socketId: '1.1' });
      assert.equal(first.vacated, false);
      assert.equal(first.subscriptionCount, 1);
      const last = await state.leave({ appId: app, channel: 'c', socketId: '1.2' });
      assert.equal(last.vacated, true);
      assert.equal(last.subscriptionCount, 0);
      assert.deepEqual(await state.summary(app, 'c'), { subscriptionCount: 0, userCount: 0 });
      assert.equal((await state.list(app, '')).size, 0);
    });

    it('counts presence members by user, not by connection', async () => {
      const app = appId();
      const channel = 'presence-room';
      const alice = { userId: 'alice', userInfo: { name: 'Alice' } };
      const a1 = ok(await state.join({ appId: app, channel, socketId: '1.1', member: alice }));
      assert.equal(a1.memberAdded, true);
      assert.deepEqual(snapshot(a1), { ids: ['alice'], hash: { alice: { name: 'Alice' } }, count: 1 });
      const a2 = ok(await state.join({ appId: app, channel, socketId: '1.2', member: alice }));
      assert.equal(a2.memberAdded, false, "a user's second connection is not a new member");
      const bob = ok(await state.join({ appId: app, channel, socketId: '1.3', member: { userId: 7, userInfo: undefined } }));
      assert.equal(bob.memberAdded, true);
      assert.equal(snapshot(bob).count, 2);
      assert.deepEqual([...snapshot(bob).ids].map(String).sort(), ['7', 'alice']);
      assert.deepEqual(snapshot(bob).hash['7'], null);
      assert.deepEqual(await state.summary(app, channel), { subscriptionCount: 3, userCount: 2 });

      const leave1 = await state.leave({ appId: app, channel, socketId: '1.1' });
      assert.equal(leave1.memberRemoved, false, 'alice still has a connection');
      const leave2 = await state.leave({ appId: app, channel, socketId: '1.2' });
      assert.equal(leave2.memberRemoved, true);
      assert.equal(leave2.userId, 'alice');
      const members = await state.members(app, channel);
      assert.deepEqual(members.map((member) => String(member.userId)), ['7']);
      assert.equal(typeof members[0]?.userId, 'number', 'user ids keep their JSON type');
    });

    it('keeps a member whose id is __proto__ like any other (and its debounced leave)', async () => {
      const app = appId();
      const channel = 'presence-proto';
      const proto = { userId: '__proto__', userInfo: { name: 'P' } };
      const joined = ok(await state.join({ appId: app, channel, socketId: '1.1', member: proto }));
      assert.equal(joined.memberAdded, true);
      assert.deepEqual(snapshot(joined).ids, ['__proto__']);
      assert.equal(JSON.stringify(snapshot(joined).hash), '{"__proto__":{"name":"P"}}');
      const other = ok(await state.join({ appId: app, channel, socketId: '1.2', member: { userId: 'b', userInfo: undefined } }));
      assert.equal(snapshot(other).count, 2);
      assert.deepEqual(Object.keys(snapshot(other).hash).sort(), ['__proto__', 'b']);
      assert.deepEqual((await state.members(app, channel)).map((member) => member.userId).sort(), ['__proto__', 'b']);
      assert.deepEqual(await state.summary(app, channel), { subscriptionCount: 2, userCount: 2 });
      const left = await state.leave({ appId: app, channel, socketId: '1.1', transitionDelayMs: 10 });
      assert.equal(left.memberRemoved, true);
      assert.equal(left.userId, '__proto__');
      const due = await state.takeDueTransitions(Date.now() + 60_000, 100);
      assert.deepEqual(dueFor(due, app), [{ appId: app, channel, transition: { kind: 'member-removed', userId: '__proto__' } }]);
    });

    it('refuses a new user over the member cap but admits more connections of a member', async () => {
      const app = appId();
      const channel = 'presence-capped';
      const join = (socketId: string, userId: string) =>
        state.join({ appId: app, channel, socketId, member: { userId, userInfo: undefined }, maxMembers: 2 });
      ok(await join('1.1', 'a'));
      ok(await join('1.2', 'b'));
      const refused = await join('1.3', 'c');
      assert.deepEqual(refused, { ok: false, reason: 'presence-full' });
      ok(await join('1.4', 'a'));
      assert.deepEqual(await state.summary(app, channel), { subscriptionCount: 3, userCount: 2 });
      await state.leave({ appId: app, channel, socketId: '1.2' });
      ok(await join('1.3', 'c'));
    });

    it('admits exactly the cap when new users join concurrently', async () => {
      const app = appId();
      const channel = 'presence-race';
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, index) =>
          state.join({
            appId: app,
            channel,
            socketId: `2.${index}`,
            member: { userId: `u${index}`, userInfo: undefined },
            maxMembers: 4,
          }),
        ),
      );
      assert.equal(results.filter((result) => result.ok).length, 4);
      assert.equal((await state.summary(app, channel)).userCount, 4);
    });

    it('reports occupied exactly once when many sockets join at once', async () => {
      const app = appId();
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, index) => state.join({ appId: app, channel: 'busy', socketId: `3.${index}` })),
      );
      assert.equal(results.filter((result) => result.ok && result.occupied).length, 1);
      assert.equal((await state.summary(app, 'busy')).subscriptionCount, 20);
      const leaves = await Promise.all(
        Array.from({ length: 20 }, (_, index) => state.leave({ appId: app, channel: 'busy', socketId: `3.${index}` })),
      );
      assert.equal(leaves.filter((result) => result.vacated).length, 1);
    });

    it('debounces vacated: a quick return cancels both vacated and occupied', async () => {
      const app = appId();
      const delay = { transitionDelayMs: 3000 };
      ok(await state.join({ appId: app, channel: 'c', socketId: '1.1', ...delay }));
      const left = await state.leave({ appId: app, channel: 'c', socketId: '1.1', ...delay });
      assert.equal(left.vacated, true);
      const back = ok(await state.join({ appId: app, channel: 'c', socketId: '1.2', ...delay }));
      assert.equal(back.occupied, false, 'the return within the delay is not reported');
      assert.deepEqual(dueFor(await state.takeDueTransitions(Date.now() + 10_000, 1000), app), []);
    });

    it('hands a due vacancy to exactly one caller, only once its delay has passed', async () => {
      const app = appId();
      const delay = { transitionDelayMs: 3000 };
      ok(await state.join({ appId: app, channel: 'c', socketId: '1.1', ...delay }));
      const leftAt = Date.now();
      await state.leave({ appId: app, channel: 'c', socketId: '1.1', ...delay });
      assert.deepEqual(dueFor(await state.takeDueTransitions(leftAt + 1000, 1000), app), [], 'not due yet');
      const claims = await Promise.all(Array.from({ length: 4 }, () => state.takeDueTransitions(Date.now() + 5000, 1000)));
      const claimed = claims.flatMap((due) => dueFor(due, app));
      assert.deepEqual(claimed, [{ appId: app, channel: 'c', transition: { kind: 'vacated' } }]);
      const again = ok(await state.join({ appId: app, channel: 'c', socketId: '1.2', ...delay }));
      assert.equal(again.occupied, true, 'after a reported vacancy the next subscriber occupies again');
    });

    it('debounces member_removed per user', async () => {
      const app = appId();
      const channel = 'presence-d';
      const delay = { transitionDelayMs: 3000 };
      const member = { userId: 'u1', userInfo: { a: 1 } };
      ok(await state.join({ appId: app, channel, socketId: '1.1', member, ...delay }));
      ok(await state.join({ appId: app, channel, socketId: '1.2', member: { userId: 'u2', userInfo: undefined }, ...delay }));
      const left = await state.leave({ appId: app, channel, socketId: '1.1', ...delay });
      assert.equal(left.memberRemoved, true, 'clients are told at once');
      const back = ok(await state.join({ appId: app, channel, socketId: '1.3', member, ...delay }));
      assert.equal(back.memberAdded, true, 'clients are told at once');
      assert.equal(back.memberAddedReported, false, 'the webhook is suppressed');
      assert.deepEqual(dueFor(await state.takeDueTransitions(Date.now() + 10_000, 1000), app), []);

      await state.leave({ appId: app, channel, socketId: '1.3', ...delay });
      const due = dueFor(await state.takeDueTransitions(Date.now() + 10_000, 1000), app);
      assert.deepEqual(due, [{ appId: app, channel, transition: { kind: 'member-removed', userId: 'u1' } }]);
    });

    it('records nothing pending without a transition delay', async () => {
      const app = appId();
      ok(await state.join({ appId: app, channel: 'presence-n', socketId: '1.1', member: { userId: 'x', userInfo: undefined } }));
      const left = await state.leave({ appId: app, channel: 'presence-n', socketId: '1.1' });
      assert.equal(left.vacated, true);
      assert.equal(left.memberRemoved, true);
      assert.deepEqual(dueFor(await state.takeDueTransitions(Date.now() + 10_000, 1000), app), []);
    });

    it('lists occupied channels by prefix with counts, and isolates apps', async () => {
      const app = appId();
      const other = appId();
      ok(await state.join({ appId: app, channel: 'presence-a', socketId: '1.1', member: { userId: 'x', userInfo: undefined } }));
      ok(await state.join({ appId: app, channel: 'presence-b', socketId: '1.2', member: { userId: 'y', userInfo: undefined } }));
      ok(await state.join({ appId: app, channel: 'public-1', socketId: '1.3' }));
      ok(await state.join({ appId: other, channel: 'presence-z', socketId: '1.4', member: { userId: 'z', userInfo: undefined } }));
      const presence = await state.list(app, 'presence-');
      assert.deepEqual([...presence.keys()].sort(), ['presence-a', 'presence-b']);
      assert.deepEqual(presence.get('presence-a'), { subscriptionCount: 1, userCount: 1 });
      assert.equal((await state.list(app, '')).size, 3);
      assert.deepEqual([...(await state.list(other, '')).keys()], ['presence-z']);
      assert.deepEqual(await state.members(other, 'presence-a'), []);
    });
  });
}
