/**
 * LogWriter with a scripted fd: writes complete (or stall, or fail) when the test says, so the
 * bound, the drops, the summary line, the write sizes and the coalescing are observed exactly.
 * (test/log-stall.test.ts runs the real thing against a pipe nobody reads.)
 */
import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import { ATOMIC_WRITE_BYTES, LogWriter, MAX_WRITE_BYTES, type WriteFn } from './log-writer.js';

interface Call {
  readonly buffer: Buffer;
  readonly complete: (error: NodeJS.ErrnoException | null, written: number) => void;
}

/** An fd whose writes stay in flight until completed. */
function scriptedFd(): { calls: Call[]; write: WriteFn; completeAll: () => void } {
  const calls: Call[] = [];
  const completed = new Set<Call>();
  const write: WriteFn = (_fd, buffer, complete) => void calls.push({ buffer: Buffer.from(buffer), complete });
  const completeAll = (): void => {
    // By index: a completion starts the next write, which is completed in the same pass.
    for (let index = 0; index < calls.length; index += 1) {
      const call = calls[index];
      if (call !== undefined && !completed.has(call)) {
        completed.add(call);
        call.complete(null, call.buffer.length);
      }
    }
  };
  return { calls, write, completeAll };
}

function line(index: number, size = 100): string {
  const text = `{"n":${index},"pad":"`;
  return `${text}${'x'.repeat(size - text.length - 3)}"}\n`;
}

describe('LogWriter', () => {
  it('keeps at most maxBufferedBytes while the fd does not take them, drops and counts the rest', async () => {
    const fd = scriptedFd();
    const writer = new LogWriter({ maxBufferedBytes: 1_000, write: fd.write });
    for (let index = 0; index < 25; index += 1) writer.write(line(index));
    const flushed = writer.flush(60_000);
    assert.equal(writer.bufferedBytes, 1_000, 'ten 100-byte lines kept');
    assert.equal(writer.droppedLines, 15);
    assert.equal(fd.calls.length, 1, 'one write in flight at a time');
    fd.completeAll();
    // The queue drained: one summary line follows, then the writer is idle.
    assert.equal(fd.calls.length, 2);
    const summary = JSON.parse(fd.calls[1]?.buffer.toString() ?? '{}') as { level: number; droppedLines: number; msg: string };
    assert.equal(summary.level, 40);
    assert.equal(summary.droppedLines, 15);
    fd.completeAll();
    await flushed;
    assert.equal(writer.bufferedBytes, 0);
    assert.deepEqual(
      fd.calls[0]?.buffer.toString().trim().split('\n').map((text) => (JSON.parse(text) as { n: number }).n),
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    );
  });

  it('writes whole lines, up to 64 KiB at once, or 4096 bytes once shared with other processes', async () => {
    for (const [shared, limit] of [[false, MAX_WRITE_BYTES], [true, ATOMIC_WRITE_BYTES]] as const) {
      const fd = scriptedFd();
      const writer = new LogWriter({ maxBufferedBytes: 1_048_576, write: fd.write });
      if (shared) writer.shareWithOtherProcesses();
      for (let index = 0; index < 2_000; index += 1) writer.write(line(index, 300));
      const flushed = writer.flush(60_000);
      // Each completion starts the next write, which completeAll completes in turn.
      fd.completeAll();
      await flushed;
      const sizes = fd.calls.map((call) => call.buffer.length);
      assert.ok(sizes.every((size) => size <= limit && size % 300 === 0), `write sizes ${sizes.join(',')}`);
      assert.ok(sizes.slice(0, -1).every((size) => size > limit - 300), 'each write as full as whole lines allow');
      assert.equal(sizes.reduce((sum, size) => sum + size, 0), 600_000);
    }
  });

  it('lets lines that come a few at a time share one write, at most 10 ms later', () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    try {
      const fd = scriptedFd();
      const writer = new LogWriter({ maxBufferedBytes: 1_048_576, write: fd.write });
      writer.write(line(1));
      mock.timers.tick(5);
      writer.write(line(2));
      assert.equal(fd.calls.length, 0, 'waiting for more lines');
      mock.timers.tick(5);
      assert.equal(fd.calls.length, 1);
      assert.equal(fd.calls[0]?.buffer.length, 200, 'both lines in one write');
    } finally {
      mock.timers.reset();
    }
  });

  it('retries a write the fd refused for now, and stops writing once the reader is gone', async () => {
    let attempts = 0;
    const written: string[] = [];
    const writer = new LogWriter({
      maxBufferedBytes: 10_000,
      write: (_fd, buffer, complete) => {
        attempts += 1;
        if (attempts === 1) return void setImmediate(() => complete(Object.assign(new Error('again'), { code: 'EAGAIN' }), 0));
        if (attempts === 2) {
          written.push(buffer.toString());
          return void setImmediate(() => complete(null, buffer.length));
        }
        setImmediate(() => complete(Object.assign(new Error('gone'), { code: 'EPIPE' }), 0));
      },
    });
    writer.write(line(1));
    await writer.flush(10_000);
    assert.equal(written.length, 1, 'written after the retry');
    writer.write(line(2));
    await writer.flush(10_000);
    writer.write(line(3));
    await writer.flush(10_000);
    assert.equal(attempts, 3, 'nothing is tried after EPIPE');
    assert.equal(writer.bufferedBytes, 0, 'and nothing is kept');
  });
});
