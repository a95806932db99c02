/**
 * The channel record's changes on their own (no NATS): per-node counts, and the property cleanup
 * after a dead node relies on: taking away a node's entries more often than it counted them ends
 * with exactly the other nodes' counts, and reports each transition once.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatChannelRecord, join, leave, parseChannelRecord, summaryOf, takeDue, type ChannelRecord } from './channel-record.js';

function apply(record: ChannelRecord | undefined, changes: ((value: ChannelRecord | undefined) => { value: ChannelRecord | undefined; result: unknown })[]) {
  let value = record;
  const results: unknown[] = [];
  for (const change of changes) {
    const outcome = change(value);
    value = outcome.value;
    results.push(outcome.result);
  }
  return { value, results };
}

const member = (userId: string | number) => ({ userId, userInfo: { name: String(userId) } });

describe('channel record', () => {
  it('counts subscriptions and members per node, and empties to nothing', () => {
    const joins = apply(undefined, [
      (value) => join(value, { nodeId: 'a', member: member('u'), maxMembers: undefined, debounce: false }),
      (value) => join(value, { nodeId: 'b', member: member('u'), maxMembers: undefined, debounce: false }),
    ]);
    assert.deepEqual(joins.value?.subs, { a: 1, b: 1 });
    assert.deepEqual(joins.value.members?.['u']?.nodes, { a: 1, b: 1 });
    const first = leave(joins.value, { nodeId: 'a', memberKey: 'u', dueAt: undefined });
    assert.equal(first.result.memberRemoved, false, 'the user is still connected through node b');
    const last = leave(first.value, { nodeId: 'b', memberKey: 'u', dueAt: undefined });
    assert.deepEqual(
      { removed: last.result.memberRemoved, userId: last.result.userId, vacated: last.result.vacated },
      { removed: true, userId: 'u', vacated: true },
    );
    assert.equal(last.value, undefined, 'an empty record is removed');
  });

  it("never takes away more than a node counted, so repeated cleanup leaves the others' counts", () => {
    const start = apply(undefined, [
      (value) => join(value, { nodeId: 'dead', member: member(1), maxMembers: undefined, debounce: false }),
      (value) => join(value, { nodeId: 'live', member: member(1), maxMembers: undefined, debounce: false }),
      (value) => join(value, { nodeId: 'live', member: member(2), maxMembers: undefined, debounce: false }),
    ]).value;
    // The dead node's one entry is removed three times (two survivors, and a retry).
    const cleaned = apply(start, [
      (value) => leave(value, { nodeId: 'dead', memberKey: '1', dueAt: undefined }),
      (value) => leave(value, { nodeId: 'dead', memberKey: '1', dueAt: undefined }),
      (value) => leave(value, { nodeId: 'dead', memberKey: '1', dueAt: undefined }),
    ]);
    assert.deepEqual(summaryOf(cleaned.value), { subscriptionCount: 2, userCount: 2 });
    assert.deepEqual(cleaned.value?.members?.['1']?.nodes, { live: 1 });
    assert.ok(cleaned.results.every((result) => !(result as { memberRemoved: boolean }).memberRemoved));
  });

  it('keeps pending transitions in the record and hands each out once', () => {
    const joined = join(undefined, { nodeId: 'a', member: member('u'), maxMembers: undefined, debounce: true }).value;
    const left = leave(joined, { nodeId: 'a', memberKey: 'u', dueAt: 1000 });
    assert.equal(left.result.nextDue, 1000);
    assert.deepEqual(takeDue(left.value, 999, 10).result.due, []);
    const taken = takeDue(left.value, 1000, 1);
    assert.equal(taken.result.due.length, 1, 'the limit holds');
    assert.equal(taken.result.nextDue, 1000);
    const rest = takeDue(taken.value, 1000, 10);
    assert.equal(rest.result.due.length, 1);
    assert.equal(rest.value, undefined, 'nothing pending, nothing subscribed: removed');
  });

  it('reads back what it writes, and reads a record of the wrong shape as absent', () => {
    const joined = join(undefined, { nodeId: 'a', member: member('__proto__'), maxMembers: undefined, debounce: true }).value;
    const read = parseChannelRecord(formatChannelRecord(joined ?? assert.fail('joined')));
    assert.deepEqual(summaryOf(read), summaryOf(joined));
    assert.equal(Object.getPrototypeOf(read?.members), null, 'members keyed by user ids have no prototype');
    assert.deepEqual(read?.members?.['__proto__']?.id, '__proto__');
    for (const text of [
      'not json',
      'null',
      '{}',
      '{"subs":{"a":"1"}}',
      '{"subs":{"a":1},"members":{"u":{"id":true,"nodes":{"a":1}}}}',
      '{"subs":{"a":1},"members":{"u":{"id":"u"}}}',
      '{"subs":{"a":1},"removedAt":{"u":"soon"}}',
      '{"subs":{"a":1},"vacatedAt":"soon"}',
    ]) {
      assert.equal(parseChannelRecord(text), undefined, text);
    }
  });
});
