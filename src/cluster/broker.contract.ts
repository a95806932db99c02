/**
 * The Broker contract, run against every implementation (the in-memory bus, Redis, NATS). Each
 * implementation's test file calls `brokerContract` with a factory for a fresh bus (its own key
 * prefix) on which nodes connect.
 *
 * Absence of a delivery is proven with a marker sent after it: every bus keeps one sender's
 * order, so once the marker arrives, anything sent before it would have arrived too.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { z } from 'zod';
import { RawJson } from '../protocol/raw-json.js';
import type { Broker, BrokerHandlers, Publication, RemotePublication } from './broker.js';
import { AskError, type AskFailure } from './control-bus.js';
import { controlKind, requestKind } from './control-kind.js';
import { publicationFrame } from './publication-frame.js';

export interface BrokerBus {
  /** Connects one node (a broker with its own connections) to the shared bus. */
  connect(nodeId: string, handlers: BrokerHandlers): Promise<Broker>;
  /** Releases what the factory holds (the nodes are closed by the suite). */
  close(): Promise<void>;
}

const ARRIVAL_TIMEOUT_MS = 10_000;
const ANSWER_DEADLINE_MS = 10_000;

/** Collects what arrives at one node and waits for it, bounded. */
class Inbox {
  readonly publications: RemotePublication[] = [];
  readonly told: { readonly tag: string; readonly from: string }[] = [];
  #wake: (() => void)[] = [];

  readonly handlers: BrokerHandlers = {
    onPublication: (publication) => {
      this.publications.push(publication);
      this.notify();
    },
  };

  notify(): void {
    const waiting = this.#wake;
    this.#wake = [];
    for (const wake of waiting) wake();
  }

  events(): string[] {
    return this.publications.map((publication) => publication.event);
  }

  tags(): string[] {
    return this.told.map((entry) => entry.tag);
  }

  async until(condition: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + ARRIVAL_TIMEOUT_MS;
    while (!condition()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${what} never arrived`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#wake.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}

const PROBE = controlKind('contract.probe', z.object({ tag: z.string() }));
const CHECKED = controlKind('contract.checked', z.object({ n: z.number() }));
/** The same name without the check: what a node of another release (or a bug) might send. */
const UNCHECKED = controlKind('contract.checked', (value: unknown) => value);
const ECHO = requestKind('contract.echo', z.object({ text: z.string() }), z.object({ text: z.string(), by: z.string() }));
const ECHO_V2 = requestKind('contract.echo', z.object({ text: z.string() }), z.object({ text: z.string(), by: z.string() }), 2);
const ECHO_UNCHECKED = requestKind('contract.echo', (value: unknown) => value, (value: unknown) => value);
const FAILING = requestKind('contract.failing', z.object({}), z.string());
const HELD = requestKind('contract.held', z.object({}), z.string());

async function refusal(promise: Promise<unknown>): Promise<AskFailure> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AskError) return error.reason;
    throw error;
  }
  return assert.fail('the ask resolved');
}

export function brokerContract(name: string, create: () => Promise<BrokerBus>): void {
  describe(`Broker contract: ${name}`, () => {
    let bus: BrokerBus;
    const inboxes = { a: new Inbox(), b: new Inbox(), c: new Inbox() };
    const nodes: Partial<Record<keyof typeof inboxes, Broker>> = {};
    /** Releases every `contract.held` answer. */
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const node = (id: keyof typeof inboxes): Broker => nodes[id] ?? assert.fail(`node ${id} is not connected`);

    before(async () => {
      bus = await create();
      for (const id of ['a', 'b', 'c'] as const) {
        const broker = await bus.connect(`node-${id}`, inboxes[id].handlers);
        nodes[id] = broker;
        broker.control.handle(PROBE, ({ tag }, from) => {
          inboxes[id].told.push({ tag, from });
          inboxes[id].notify();
        });
      }
      node('b').control.handle(CHECKED, ({ n }) => {
        inboxes.b.told.push({ tag: `checked-${String(n)}`, from: '' });
        inboxes.b.notify();
      });
      node('b').control.answer(ECHO, ({ text }) => ({ text, by: node('b').control.nodeId }));
      node('b').control.answer(FAILING, () => Promise.reject(new Error('the handler failed')));
      node('b').control.answer(HELD, async () => {
        await held;
        return 'late';
      });
    });
    after(async () => {
      release();
      await Promise.all(Object.values(nodes).map((broker) => broker.close()));
      await bus.close();
    });

    it('delivers a publication, every field, only to subscribed nodes and never back to its publisher', async () => {
      const { a, b, c } = inboxes;
      await node('a').subscribe('app', 'room');
      await node('b').subscribe('app', 'room');
      await node('c').subscribe('app', 'marker');
      const sent: Publication = { appId: 'app', channel: 'room', event: 'hello', data: new RawJson('{"n":[1,{"deep":true}]}'), userId: 7, exceptSocketId: '1.2' };
      await node('a').publish(sent);
      await b.until(() => b.publications.length === 1, 'the publication');
      // The routing fields, and the client frame exactly as the publishing node's subscribers get it.
      const { appId, channel, event, exceptSocketId } = sent;
      assert.deepEqual(b.publications[0], { appId, channel, event, exceptSocketId, frame: publicationFrame(sent) });
      await node('b').publish({ appId: 'app', channel: 'room', event: 'from-b', data: 'text' });
      await a.until(() => a.events().includes('from-b'), 'the marker');
      assert.deepEqual(a.events(), ['from-b'], 'its own publication never came back');
      await node('a').publish({ appId: 'app', channel: 'marker', event: 'marker', data: undefined });
      await c.until(() => c.events().includes('marker'), 'the marker');
      assert.deepEqual(c.events(), ['marker'], 'a node without subscribers to the channel received nothing');
    });

    it('keeps apps apart and stops delivering after unsubscribe', async () => {
      const { c } = inboxes;
      await node('c').subscribe('app', 'leaving');
      await node('a').publish({ appId: 'other-app', channel: 'leaving', event: 'wrong-app', data: 'x' });
      await node('a').publish({ appId: 'app', channel: 'leaving', event: 'before', data: 'x' });
      await c.until(() => c.events().includes('before'), 'the publication');
      await node('c').unsubscribe('app', 'leaving');
      // A later subscribe is active only once the bus server has it, so it has the unsubscribe too.
      await node('c').subscribe('app', 'marker-2');
      await node('a').publish({ appId: 'app', channel: 'leaving', event: 'after', data: 'x' });
      await node('a').publish({ appId: 'app', channel: 'marker-2', event: 'marker-2', data: 'x' });
      await c.until(() => c.events().includes('marker-2'), 'the marker');
      assert.ok(!c.events().includes('after') && !c.events().includes('wrong-app'));
    });

    it('publishConfirmed delivers every publication, in order', async () => {
      const { b } = inboxes;
      await node('b').subscribe('app', 'confirmed');
      const events = ['one', 'two', 'three'];
      await node('a').publishConfirmed(events.map((event) => ({ appId: 'app', channel: 'confirmed', event, data: event })));
      await b.until(() => b.events().includes('three'), 'the last publication');
      assert.deepEqual(b.events().filter((event) => events.includes(event)), events);
    });

    it('tells every other node, or one node, with the sender named, never the sender itself', async () => {
      const { a, b, c } = inboxes;
      await node('a').control.tell(PROBE, { tag: 'for-c' }, 'node-c');
      await node('a').control.tell(PROBE, { tag: 'for-all' });
      await node('a').control.tell(PROBE, { tag: 'marker-b' }, 'node-b');
      await node('b').control.tell(PROBE, { tag: 'marker-a' }, 'node-a');
      await c.until(() => c.tags().includes('for-all'), 'the broadcast');
      await b.until(() => b.tags().includes('marker-b'), 'the marker');
      await a.until(() => a.tags().includes('marker-a'), 'the marker');
      assert.deepEqual(c.told, [
        { tag: 'for-c', from: 'node-a' },
        { tag: 'for-all', from: 'node-a' },
      ]);
      assert.deepEqual(b.tags(), ['for-all', 'marker-b'], 'another node never sees an addressed message');
      assert.deepEqual(a.tags(), ['marker-a'], 'the sender never sees its own');
    });

    it('drops a message that fails its kind check before any handler sees it', async () => {
      const { b } = inboxes;
      await node('a').control.tell(UNCHECKED, { n: 'not a number' });
      await node('a').control.tell(UNCHECKED, { n: 2 });
      await b.until(() => b.tags().includes('checked-2'), 'the valid message');
      assert.deepEqual(b.tags().filter((tag) => tag.startsWith('checked-')), ['checked-2']);
    });

    it('answers an ask with its checked reply', async () => {
      assert.deepEqual(await node('a').control.ask('node-b', ECHO, { text: 'hi' }, ANSWER_DEADLINE_MS), { text: 'hi', by: 'node-b' });
      assert.equal(node('a').control.pendingAsks, 0);
    });

    it('fails an ask at once, and says why, when the answering node refuses it', async () => {
      const control = node('a').control;
      const deadline = ANSWER_DEADLINE_MS;
      assert.equal(await refusal(control.ask('node-c', ECHO, { text: 'hi' }, deadline)), 'unhandled', 'node c does not answer this kind');
      assert.equal(await refusal(control.ask('node-b', ECHO_V2, { text: 'hi' }, deadline)), 'version', 'node b answers version 1 only');
      assert.equal(await refusal(control.ask('node-b', ECHO_UNCHECKED, { text: 42 }, deadline)), 'invalid', 'the payload fails the check on node b');
      assert.equal(await refusal(control.ask('node-b', FAILING, {}, deadline)), 'failed', 'the handler failed');
    });

    it('fails an ask at its deadline when nobody answers', async () => {
      const started = Date.now();
      assert.equal(await refusal(node('a').control.ask('node-nobody', ECHO, { text: 'hi' }, 50)), 'timeout');
      assert.ok(Date.now() - started < ANSWER_DEADLINE_MS);
      assert.equal(node('a').control.pendingAsks, 0);
    });

    it('fails an ask at once when its node is seen gone, and on close; a late reply is ignored', async () => {
      const gone = node('a').control.ask('node-b', HELD, {}, ANSWER_DEADLINE_MS);
      node('a').control.nodeGone('node-b');
      assert.equal(await refusal(gone), 'node-gone');
      const extra = await bus.connect('node-d', new Inbox().handlers);
      const closed = extra.control.ask('node-b', HELD, {}, ANSWER_DEADLINE_MS);
      await extra.close();
      assert.equal(await refusal(closed), 'closed');
      assert.equal(await refusal(extra.control.ask('node-b', ECHO, { text: 'hi' }, ANSWER_DEADLINE_MS)), 'closed');
      // The held answers go out now, to nobody waiting; the bus goes on.
      release();
      assert.deepEqual(await node('a').control.ask('node-b', ECHO, { text: 'after' }, ANSWER_DEADLINE_MS), { text: 'after', by: 'node-b' });
    });
  });
}
