/**
 * The accept-error path that libuv reports (its EMFILE trick failed too): node emits 'error' on the
 * server once per accept attempt. Injected here on a real server and real sockets.
 */
import assert from 'node:assert/strict';
import { createServer, request } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { AcceptGuard } from './accept-guard.js';

function acceptError(): Error {
  return Object.assign(new Error('accept EMFILE'), { code: 'EMFILE', errno: -24, syscall: 'accept' });
}

function connects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('AcceptGuard', () => {
  it('on accept errors, logs once, pauses the listener (keeping open connections) and listens again after a back-off', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
    const guard = new AcceptGuard(logger);
    const server = createServer((_request, response) => response.end(guard.canAccept() ? 'ready' : 'not ready'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    guard.start(server);
    const keptAlive = connect(port, '127.0.0.1');
    await new Promise((resolve) => keptAlive.once('connect', resolve));
    try {
      for (let index = 0; index < 50; index += 1) server.emit('error', acceptError());
      assert.equal(guard.canAccept(), false);
      assert.equal(await connects(port), false, 'new connections are refused while paused');
      keptAlive.write('GET / HTTP/1.1\r\nHost: guard\r\n\r\n');
      const answer = await new Promise<string>((resolve) => keptAlive.once('data', (chunk: Buffer) => resolve(chunk.toString())));
      assert.match(answer, /not ready$/, 'an open connection is still served, and told');
      assert.equal(lines.filter((line) => line.includes('failed; retrying')).length, 1, 'fifty errors, one line');

      await new Promise((resolve) => server.once('listening', resolve));
      assert.equal((server.address() as AddressInfo).port, port, 'the same port again');
      const body = await new Promise<string>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path: '/', agent: false }, (response) => {
          let text = '';
          response.on('data', (chunk: Buffer) => (text += chunk.toString()));
          response.on('end', () => resolve(text));
        });
        req.on('error', reject);
        req.end();
      });
      assert.equal(body, 'ready');
      assert.ok(lines.some((line) => line.includes('works again')), 'the recovery is logged');
    } finally {
      guard.stop();
      keptAlive.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
