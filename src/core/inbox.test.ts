/**
 * The Inbox on its own: messages handled one at a time and in order, a waiting one holding the
 * rest, the transport paused once at the high-water mark and resumed once the queue has drained,
 * failures reported without stopping the queue. Promises are settled by hand: no timer involved.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Inbox, type InboxOwner } from './inbox.js';

interface Deferred {
  readonly promise: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
}

function deferred(): Deferred {
  let resolve: () => void = () => undefined;
  let reject: (error: unknown) => void = () => undefined;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every settled promise's callbacks run (the inbox settles through .catch().finally()). */
async function settle(): Promise<void> {
  for (let turn = 0; turn < 5; turn += 1) await Promise.resolve();
}

/** An owner that records what it was asked; messages named `wait:*` wait on `gates`, `throw` throws. */
class RecordingOwner implements InboxOwner {
  readonly log: string[] = [];
  readonly gates = new Map<string, Deferred>();

  dispatch(text: string): Promise<void> | undefined {
    this.log.push(`handle ${text}`);
    if (text === 'throw') throw new Error('sync failure');
    if (!text.startsWith('wait:')) return undefined;
    const gate = deferred();
    this.gates.set(text, gate);
    return gate.promise;
  }

  failed(error: unknown): void {
    this.log.push(`failed ${error instanceof Error ? error.message : String(error)}`);
  }

  pause(): void {
    this.log.push('pause');
  }

  resume(): void {
    this.log.push('resume');
  }

  idle(): void {
    this.log.push('idle');
  }

  gate(text: string): Deferred {
    const gate = this.gates.get(text);
    if (gate === undefined) throw new Error(`${text} is not waiting`);
    return gate;
  }
}

describe('Inbox', () => {
  it('handles messages at once while nothing waits, and in order behind one that waits', async () => {
    const owner = new RecordingOwner();
    const inbox = new Inbox(owner, 4);
    inbox.push('a');
    inbox.push('wait:1');
    assert.equal(inbox.busy, true);
    inbox.push('b');
    inbox.push('c');
    assert.deepEqual(owner.log, ['handle a', 'handle wait:1']);
    assert.equal(inbox.queued, 2);
    owner.gate('wait:1').resolve();
    await settle();
    assert.deepEqual(owner.log, ['handle a', 'handle wait:1', 'handle b', 'handle c', 'idle']);
    assert.equal(inbox.busy, false);
    assert.equal(inbox.queued, 0);
  });

  it('pauses once at the high-water mark and resumes only once the queue has drained', async () => {
    const owner = new RecordingOwner();
    const inbox = new Inbox(owner, 3);
    inbox.push('wait:1');
    inbox.push('x');
    inbox.push('wait:2');
    assert.deepEqual(owner.log, ['handle wait:1']);
    inbox.push('y');
    assert.deepEqual(owner.log, ['handle wait:1', 'pause']);
    inbox.push('z');
    assert.deepEqual(owner.log, ['handle wait:1', 'pause'], 'paused once, not again per message');

    // The first settles; wait:2 waits again: the transport stays paused.
    owner.gate('wait:1').resolve();
    await settle();
    assert.deepEqual(owner.log.slice(2), ['handle x', 'handle wait:2']);
    assert.equal(inbox.queued, 2);
    inbox.push('late');
    assert.equal(owner.log.filter((entry) => entry === 'pause').length, 1, 'still paused: no second pause');

    owner.gate('wait:2').resolve();
    await settle();
    assert.deepEqual(owner.log.slice(4), ['handle y', 'handle z', 'handle late', 'resume', 'idle']);
    assert.equal(inbox.busy, false);
  });

  it('does not pause below the high-water mark', async () => {
    const owner = new RecordingOwner();
    const inbox = new Inbox(owner, 3);
    inbox.push('wait:1');
    inbox.push('a');
    inbox.push('b');
    owner.gate('wait:1').resolve();
    await settle();
    assert.deepEqual(owner.log, ['handle wait:1', 'handle a', 'handle b', 'idle']);
  });

  it('reports a throw or a rejection and goes on with the next message', async () => {
    const owner = new RecordingOwner();
    const inbox = new Inbox(owner, 4);
    inbox.push('throw');
    inbox.push('wait:1');
    inbox.push('after');
    owner.gate('wait:1').reject(new Error('async failure'));
    await settle();
    assert.deepEqual(owner.log, ['handle throw', 'failed sync failure', 'handle wait:1', 'failed async failure', 'handle after', 'idle']);
    assert.equal(inbox.busy, false);
  });

  it('clear() drops what queued; the message in flight still settles, then idle', async () => {
    const owner = new RecordingOwner();
    const inbox = new Inbox(owner, 2);
    inbox.push('wait:1');
    inbox.push('a');
    inbox.push('b');
    assert.deepEqual(owner.log, ['handle wait:1', 'pause']);
    inbox.clear();
    assert.equal(inbox.queued, 0);
    assert.equal(inbox.busy, true);
    owner.gate('wait:1').resolve();
    await settle();
    assert.deepEqual(owner.log, ['handle wait:1', 'pause', 'resume', 'idle']);
  });
});
