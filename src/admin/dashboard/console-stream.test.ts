import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DebugRecord } from '../../core/debug-tap.js';
import { ConsoleStream, MAX_BUFFERED_BYTES, RECORDS_PER_SECOND, type StreamSink } from './console-stream.js';

class Sink implements StreamSink {
  readonly written: string[] = [];
  writableLength = 0;
  write(text: string): boolean {
    this.written.push(text);
    return true;
  }
  records(): DebugRecord[] {
    return this.written.filter((text) => text.startsWith('data: ')).map((text) => JSON.parse(text.slice(6)) as DebugRecord);
  }
}

function message(channel: string, socketId = '1.1'): DebugRecord {
  return { kind: 'client-event', socketId, channel, event: 'client-x', data: '{}', appId: 'app', node: 'n', time: 0 };
}

describe('console stream', () => {
  it(`writes at most ${RECORDS_PER_SECOND} records a second and counts the rest as dropped`, () => {
    let now = 0;
    const sink = new Sink();
    const stream = new ConsoleStream(sink, {}, () => now);
    for (let i = 0; i < 1_000; i += 1) stream.receive(message('c'));
    assert.equal(sink.records().length, RECORDS_PER_SECOND);
    assert.equal(stream.dropped, 1_000 - RECORDS_PER_SECOND);
    stream.tick();
    assert.equal(sink.written.at(-1), `event: dropped\ndata: {"dropped":${1_000 - RECORDS_PER_SECOND}}\n\n`, 'the count reaches the page');
    now += 500;
    for (let i = 0; i < 100; i += 1) stream.receive(message('c'));
    assert.equal(sink.records().length, RECORDS_PER_SECOND + 50, 'half a second refills half');
    const written = sink.written.length;
    stream.tick();
    assert.equal(sink.written.length, written + 1, 'a changed count is reported again');
    stream.tick();
    assert.equal(sink.written.length, written + 1, 'an unchanged count is not');
  });

  it('drops while the browser does not read', () => {
    const sink = new Sink();
    const stream = new ConsoleStream(sink, {});
    sink.writableLength = MAX_BUFFERED_BYTES + 1;
    stream.receive(message('c'));
    assert.equal(sink.records().length, 0);
    assert.equal(stream.dropped, 1);
    sink.writableLength = 0;
    stream.receive(message('c'));
    assert.equal(sink.records().length, 1);
  });

  it('filters by channel text, kind and socket id before the bound', () => {
    const sink = new Sink();
    const stream = new ConsoleStream(sink, { channel: 'chat', kinds: new Set(['client-event']), socketId: '9.9' });
    stream.receive(message('private-chat-1', '9.9'));
    stream.receive(message('private-news', '9.9'));
    stream.receive(message('private-chat-2', '1.1'));
    stream.receive({ kind: 'channel-occupied', channel: 'private-chat-1', appId: 'app', node: 'n', time: 0 });
    assert.deepEqual(
      sink.records().map((record) => record.kind === 'client-event' && record.channel),
      ['private-chat-1'],
    );
    assert.equal(stream.dropped, 0, 'filtered out is not dropped');
  });

  it('sends a heartbeat on an idle stream', () => {
    let now = 0;
    const sink = new Sink();
    const stream = new ConsoleStream(sink, {}, () => now);
    stream.tick();
    assert.equal(sink.written.length, 0);
    now += 15_000;
    stream.tick();
    assert.deepEqual(sink.written, [': heartbeat\n\n']);
  });
});
