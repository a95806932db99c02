import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { describe, it } from 'node:test';
import { Writable } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { endWouldOnlyDropAnError, skipRepeatedReceiverEnds, skipRepeatedSocketEnds, wsReceiverClass } from './repeated-end.js';

/** A Writable whose writes complete when `release` is called (so it can be left ending, unfinished). */
function slowWritable(): { stream: Writable; release: () => void } {
  let pending: (() => void) | undefined;
  const stream = new Writable({
    write(_chunk, _encoding, callback) {
      pending = () => callback();
    },
  });
  return { stream, release: () => pending?.() };
}

/** What Node's own end(callback) (a plain Writable's) hands the callback: an error code, 'ok', or 'pending'. */
async function nodeEndOutcome(stream: Writable): Promise<string> {
  const outcome = new Promise<string>((resolve) => {
    stream.end((error?: Error | null) => resolve(error === null || error === undefined ? 'ok' : ((error as NodeJS.ErrnoException).code ?? 'error')));
  });
  stream.on('error', () => undefined);
  const settled = await Promise.race([outcome, new Promise<string>((resolve) => setImmediate(() => resolve('pending')))]);
  return settled;
}

const states: Record<string, () => Promise<Writable>> = {
  fresh: () => Promise.resolve(new Writable({ write: (_c, _e, callback) => callback() })),
  'ending, a write outstanding': () => {
    const { stream } = slowWritable();
    stream.write('x');
    stream.end();
    return Promise.resolve(stream);
  },
  finished: async () => {
    const stream = new Writable({ write: (_c, _e, callback) => callback() });
    stream.end();
    await once(stream, 'finish');
    return stream;
  },
  'destroyed, never ended': () => {
    const stream = new Writable({ write: (_c, _e, callback) => callback() });
    stream.destroy();
    return Promise.resolve(stream);
  },
  'ended, then destroyed before finishing': () => {
    const { stream } = slowWritable();
    stream.write('x');
    stream.end();
    stream.destroy();
    return Promise.resolve(stream);
  },
  'destroyed with an error': () => {
    const stream = new Writable({ write: (_c, _e, callback) => callback() });
    stream.on('error', () => undefined);
    stream.destroy(new Error('broken'));
    return Promise.resolve(stream);
  },
};

describe("ws's repeated Receiver ends", () => {
  for (const [name, make] of Object.entries(states)) {
    it(`skips Node's end() exactly when it would only drop an error: ${name}`, async () => {
      const stream = await make();
      const skipped = endWouldOnlyDropAnError(stream, 0);
      const outcome = await nodeEndOutcome(stream);
      const dropped = outcome === 'ERR_STREAM_ALREADY_FINISHED' || outcome === 'ERR_STREAM_DESTROYED';
      assert.equal(skipped, dropped, `Node's end() gave ${outcome}`);
    });
  }

  it('never skips an end() given a chunk or a callback', async () => {
    const stream = await (states['finished'] as () => Promise<Writable>)();
    assert.equal(endWouldOnlyDropAnError(stream, 1), false);
    assert.equal(endWouldOnlyDropAnError(stream, 2), false);
  });

  it("never skips the end() of a corked stream, which Node's end() uncorks", async () => {
    const stream = await (states['finished'] as () => Promise<Writable>)();
    stream.cork();
    assert.equal(endWouldOnlyDropAnError(stream, 0), false);
    assert.equal(await nodeEndOutcome(stream), 'ERR_STREAM_ALREADY_FINISHED');
    assert.equal(stream.writableCorked, 0, 'uncorked as well');
  });

  it("returns a finished Receiver's repeated end() at once, and still hands a callback Node's error", async () => {
    assert.equal(skipRepeatedReceiverEnds(), true);
    const Receiver = wsReceiverClass() as unknown as new (options: { isServer: boolean }) => Writable;
    const receiver = new Receiver({ isServer: true });
    receiver.end();
    await once(receiver, 'finish');
    assert.equal(receiver.end(), receiver);
    assert.equal(await nodeEndOutcome(receiver), 'ERR_STREAM_ALREADY_FINISHED');
  });

  it("gives one socket its own skipping end, which still hands a callback Node's error", async () => {
    const { PassThrough } = await import('node:stream');
    const socket = new PassThrough();
    const other = new PassThrough();
    skipRepeatedSocketEnds(socket);
    assert.ok(Object.hasOwn(socket, 'end'), 'an own end on that socket');
    assert.equal(Object.hasOwn(other, 'end'), false, 'no other stream touched');
    socket.resume();
    socket.end();
    await once(socket, 'finish');
    assert.equal(socket.end(), socket);
    assert.equal(await nodeEndOutcome(socket), 'ERR_STREAM_ALREADY_FINISHED');
  });

  it('is installed on the ws this process loads, and a closing handshake passes through both shortcuts with its codes intact', async () => {
    assert.equal(skipRepeatedReceiverEnds(), true, "ws's Receiver is exported and a Writable");
    const Receiver = wsReceiverClass();
    assert.ok(Receiver !== undefined);
    const prototype = Receiver.prototype as unknown as { end: (this: Writable, ...args: unknown[]) => Writable };
    const installed = prototype.end;
    let skippedReceiverEnds = 0;
    prototype.end = function counted(this: Writable, ...args: unknown[]): Writable {
      if (endWouldOnlyDropAnError(this, args.length)) skippedReceiverEnds += 1;
      return installed.apply(this, args);
    };
    let skippedSocketEnds = 0;
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    server.on('connection', (_ws: WebSocket, request: IncomingMessage) => {
      skipRepeatedSocketEnds(request.socket);
      const socket = request.socket as unknown as { end: (this: Writable, ...args: unknown[]) => Writable };
      const skipping = socket.end;
      socket.end = function counted(this: Writable, ...args: unknown[]): Writable {
        if (endWouldOnlyDropAnError(this, args.length)) skippedSocketEnds += 1;
        return skipping.apply(this, args);
      };
    });
    try {
      await once(server, 'listening');
      const address = server.address();
      assert.ok(typeof address === 'object' && address !== null);
      const accepted = once(server, 'connection') as Promise<[WebSocket]>;
      const client = new WebSocket(`ws://127.0.0.1:${String(address.port)}`);
      await once(client, 'open');
      const [serverSide] = await accepted;
      const serverClosed = once(serverSide, 'close') as Promise<[number, Buffer]>;
      const clientClosed = once(client, 'close') as Promise<[number, Buffer]>;
      client.close(1000, 'bye');
      const [[serverCode, serverReason], [clientCode]] = await Promise.all([serverClosed, clientClosed]);
      assert.equal(serverCode, 1000);
      assert.equal(serverReason.toString(), 'bye');
      assert.equal(clientCode, 1000);
      assert.ok(skippedReceiverEnds >= 2, `ws ended a finished Receiver ${String(skippedReceiverEnds)} times (2 per side expected)`);
      // The server's socket is ended again when the client's FIN arrives, which is skipped when
      // the server's own FIN has gone out first (the usual order, not a guaranteed one).
      assert.ok(skippedSocketEnds <= 1, `the server's socket skipped ${String(skippedSocketEnds)} ends`);
    } finally {
      prototype.end = installed;
      server.close();
    }
  });
});
