import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import { silentLogger } from '../shared/logger.js';
import { DebugTap, type DebugRecord, type DebugViewer } from '../core/debug-tap.js';
import { ConsoleBus, FLUSH_MS, INTEREST_TTL_MS, MAX_RECORDS_PER_FLUSH, type ConsoleBody } from './console-bus.js';

class Collector implements DebugViewer {
  readonly records: DebugRecord[] = [];
  missedCount = 0;
  receive(record: DebugRecord): void {
    this.records.push(record);
  }
  missed(count: number): void {
    this.missedCount += count;
  }
}

const EVENT = { kind: 'channel-occupied', channel: 'c' } as const;

/** Two nodes whose buses reach each other through JSON, as over a real broker. */
function pair(now: () => number): { a: DebugTap; b: DebugTap; sent: ConsoleBody[]; buses: ConsoleBus[] } {
  const a = new DebugTap('node-a', now);
  const b = new DebugTap('node-b', now);
  const sent: ConsoleBody[] = [];
  const buses: ConsoleBus[] = [];
  const link = (tap: DebugTap, to: () => ConsoleBus | undefined): ConsoleBus =>
    new ConsoleBus({
      tap,
      send: (body) => {
        sent.push(body);
        to()?.onMessage(JSON.parse(JSON.stringify(body)));
        return Promise.resolve();
      },
      localStats: () => ({ node: tap === a ? 'node-a' : 'node-b', connections: 0, apps: {} }),
      logger: silentLogger,
      now,
    });
  buses.push(link(a, () => buses[1]));
  buses.push(link(b, () => buses[0]));
  return { a, b, sent, buses };
}

describe('console bus', () => {
  it('forwards the entries of an app watched on another node, and only those', () => {
    mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'], now: 1_000 });
    try {
      const { a, b, buses } = pair(Date.now);
      const viewer = new Collector();
      a.watch('app', viewer);
      assert.equal(b.watches('app'), true, 'the watch is announced at once');
      assert.equal(b.watches('other'), false);
      b.emit('app', EVENT);
      mock.timers.tick(FLUSH_MS);
      assert.equal(viewer.records.length, 1);
      assert.equal(viewer.records[0]?.node, 'node-b');
      for (const bus of buses) bus.close();
    } finally {
      mock.timers.reset();
    }
  });

  it('sends at most a batch per flush and counts the rest as missed', () => {
    mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'], now: 1_000 });
    try {
      const { a, b, buses } = pair(Date.now);
      const viewer = new Collector();
      a.watch('app', viewer);
      for (let i = 0; i < MAX_RECORDS_PER_FLUSH + 30; i += 1) b.emit('app', EVENT);
      mock.timers.tick(FLUSH_MS);
      assert.equal(viewer.records.length, MAX_RECORDS_PER_FLUSH);
      assert.equal(viewer.missedCount, 30);
      for (const bus of buses) bus.close();
    } finally {
      mock.timers.reset();
    }
  });

  it('lets the interest lapse when the watching node stops announcing it', () => {
    mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'], now: 1_000 });
    try {
      const { a, b, buses } = pair(Date.now);
      const [busA, busB] = buses;
      busB?.start();
      a.watch('app', new Collector());
      busA?.close();
      mock.timers.tick(INTEREST_TTL_MS + 1_000);
      assert.equal(b.watches('app'), false);
      busB?.close();
    } finally {
      mock.timers.reset();
    }
  });

  it('keeps the interest while the watching node renews it, and reports node status', () => {
    mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'], now: 1_000 });
    try {
      const { a, b, buses } = pair(Date.now);
      for (const bus of buses) bus.start();
      a.watch('app', new Collector());
      mock.timers.tick(INTEREST_TTL_MS * 3);
      assert.equal(b.watches('app'), true);
      assert.deepEqual(
        buses[1]?.otherNodes().map((status) => status.stats.node),
        ['node-a'],
      );
      for (const bus of buses) bus.close();
    } finally {
      mock.timers.reset();
    }
  });

  it('ignores bodies it does not understand', () => {
    const tap = new DebugTap('node-a');
    const viewer = new Collector();
    tap.watch('app', viewer);
    const bus = new ConsoleBus({ tap, send: () => Promise.resolve(), localStats: () => ({ node: 'a', connections: 0, apps: {} }), logger: silentLogger, now: Date.now });
    for (const body of [null, 'x', { op: 'nope' }, { op: 'entries', records: [{ kind: 'evil', appId: 'app' }], missed: {} }, { op: 'watch', apps: 'app', ttlMs: 1 }]) {
      bus.onMessage(body);
    }
    assert.equal(viewer.records.length, 0);
    assert.equal(tap.watches('other'), false);
    bus.close();
  });
});
