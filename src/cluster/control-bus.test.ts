/** What the Broker contract does not reach: the ask cap, and nodes of another release on the bus. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { z } from 'zod';
import { silentLogger } from '../shared/logger.js';
import { decodeControl, encodeControl } from './bus-codec.js';
import { AskError } from './control-bus.js';
import { controlKind, requestKind } from './control-kind.js';
import { MemoryBus } from './memory-broker.js';

const NOTHING = { onPublication: () => undefined };
const HELD = requestKind('test.held', z.object({}), z.string());
const PROBE = controlKind('test.probe', z.object({ n: z.number() }));

function capturingLogger(): { logger: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
}

describe('ControlBus', () => {
  it('refuses asks beyond maxPendingAsks at once, and takes more once they end', async () => {
    const bus = new MemoryBus();
    const asker = bus.connect({ nodeId: 'a', logger: silentLogger, maxPendingAsks: 2 }, NOTHING);
    const first = asker.control.ask('nobody', HELD, {}, 10_000);
    const second = asker.control.ask('nobody', HELD, {}, 10_000);
    await assert.rejects(asker.control.ask('nobody', HELD, {}, 10_000), (error: unknown) => error instanceof AskError && error.reason === 'overloaded');
    asker.control.nodeGone('nobody');
    await assert.rejects(first, /left the cluster/);
    await assert.rejects(second, /left the cluster/);
    await assert.rejects(asker.control.ask('nobody', HELD, {}, 1), (error: unknown) => error instanceof AskError && error.reason === 'timeout');
    await asker.close();
  });

  it('refuses a second handler for a kind, and an ask to itself', async () => {
    const broker = new MemoryBus().connect({ nodeId: 'a', logger: silentLogger }, NOTHING);
    broker.control.handle(PROBE, () => undefined);
    assert.throws(() => broker.control.handle(PROBE, () => undefined), /already has a handler/);
    await assert.rejects(broker.control.ask('a', HELD, {}, 1_000), /cannot ask itself/);
    assert.throws(() => controlKind('Not A Name', z.object({})), /must match/);
    await broker.close();
  });

  it('names a node of another release once, whether its wire or its kind version differs', () => {
    const { logger, lines } = capturingLogger();
    const broker = new MemoryBus().connect({ nodeId: 'new', logger }, NOTHING);
    broker.control.handle(PROBE, () => assert.fail('never handled'));
    // What a 0.1 node sends: the version 1 envelope with a typed message.
    const old = JSON.stringify({ v: 1, n: 'old-node', m: { v: 1, type: 'terminate-user', appId: 'a', userId: 'u' } });
    const decoded = decodeControl('new', old);
    assert.deepEqual(decoded, { status: 'foreign', from: 'old-node', version: 1 });
    for (let i = 0; i < 3; i += 1) broker.control.receive(decoded);
    const newer = decodeControl('new', encodeControl('newer-node', { type: 'message', kind: PROBE.name, version: 2, payload: { n: 1 } }));
    for (let i = 0; i < 3; i += 1) if (newer !== undefined) broker.control.receive(newer);
    assert.deepEqual(
      lines.map((line) => [line['node'], line['msg']]),
      [
        ['old-node', 'a control message of another bus wire version arrived: every node on a bus must run the same release'],
        ['newer-node', 'a control message of another version of its kind arrived: every node on a bus must run the same release'],
      ],
    );
  });

  it('encodes and decodes every envelope, ignoring its own and those addressed to another node', () => {
    const envelopes = [
      { type: 'message', kind: 'k', version: 1, payload: { x: [1, 'two'] } },
      { type: 'message', kind: 'k', version: 3, payload: null, askId: 7 },
      { type: 'reply', kind: 'k', askId: 7, payload: 'yes' },
      { type: 'refusal', kind: 'k', askId: 8, reason: 'unhandled', detail: 'no handler' },
    ] as const;
    for (const envelope of envelopes) {
      assert.deepEqual(decodeControl('b', encodeControl('a', envelope, 'b')), { status: 'ok', from: 'a', envelope });
      assert.equal(decodeControl('c', encodeControl('a', envelope, 'b')), undefined, 'addressed to another node');
      assert.equal(decodeControl('a', encodeControl('a', envelope)), undefined, 'its own');
    }
    assert.deepEqual(decodeControl('b', 'not json'), { status: 'foreign', from: undefined, version: undefined });
  });
});
