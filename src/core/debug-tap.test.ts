import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DebugTap, MAX_ENTRY_DATA_CHARS, truncateData, type DebugRecord, type DebugViewer } from './debug-tap.js';

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

const OPENED = { kind: 'connection-opened', socketId: '1.2', transport: 'ws', origin: undefined, address: '127.0.0.1' } as const;

describe('debug tap', () => {
  it('watches nothing until a viewer opens, and nothing again once it closes', () => {
    const tap = new DebugTap('node-a', () => 42);
    assert.equal(tap.watches('app'), false);
    const viewer = new Collector();
    const close = tap.watch('app', viewer);
    assert.equal(tap.watches('app'), true);
    assert.equal(tap.watches('other'), false, 'only the watched app');
    tap.emit('app', OPENED);
    assert.deepEqual(viewer.records, [{ ...OPENED, appId: 'app', node: 'node-a', time: 42 }]);
    close();
    close();
    assert.equal(tap.watches('app'), false);
    assert.equal(tap.viewerCount('app'), 0);
  });

  it('keeps an app watched while any of its viewers is open', () => {
    const tap = new DebugTap('node-a');
    const first = tap.watch('app', new Collector());
    const second = tap.watch('app', new Collector());
    first();
    assert.equal(tap.watches('app'), true);
    second();
    assert.equal(tap.watches('app'), false);
  });

  it('forwards only the records of apps another node watches, until that interest expires', () => {
    let now = 1_000;
    const tap = new DebugTap('node-a', () => now);
    const forwarded: DebugRecord[] = [];
    tap.forward = (record) => forwarded.push(record);
    tap.watch('local-only', new Collector());
    tap.emit('local-only', OPENED);
    assert.equal(forwarded.length, 0, 'watched here only: not forwarded');
    tap.remoteInterest('remote', now + 10_000);
    assert.equal(tap.watches('remote'), true);
    tap.emit('remote', OPENED);
    assert.equal(forwarded.length, 1);
    now += 10_000;
    assert.equal(tap.expireRemote(now), false);
    assert.equal(tap.watches('remote'), false);
  });

  it('hands records from other nodes and their drop counts to this node\'s viewers only', () => {
    const tap = new DebugTap('node-a');
    const forwarded: DebugRecord[] = [];
    tap.forward = (record) => forwarded.push(record);
    tap.remoteInterest('app', Date.now() + 60_000);
    const viewer = new Collector();
    tap.watch('app', viewer);
    tap.deliverRemote({ ...OPENED, appId: 'app', node: 'node-b', time: 1 });
    tap.reportMissed('app', 7);
    assert.equal(viewer.records[0]?.node, 'node-b');
    assert.equal(viewer.missedCount, 7);
    assert.equal(forwarded.length, 0, 'never sent back out');
  });

  it('cuts long data', () => {
    assert.equal(truncateData('short'), 'short');
    const cut = truncateData('x'.repeat(MAX_ENTRY_DATA_CHARS + 50));
    assert.equal(cut.length, MAX_ENTRY_DATA_CHARS + 1);
    assert.ok(cut.endsWith('…'));
  });
});
