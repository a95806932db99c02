/** Graceful shutdown: /ready turns 503, clients are closed with 4200, the process exits 0. */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { describe, it } from 'node:test';
import { startCli } from './helpers/cli.js';
import { RawClient } from './helpers/raw-client.js';
import { APP, startServer } from './helpers/server.js';

function getStatus(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('graceful shutdown', () => {
  it('answers /ready with 503 while draining, closes clients with 4200 and refuses new ones', async () => {
    const server = await startServer();
    const { client } = await RawClient.connect(server.wsUrl, APP.key);
    // A client that does not read keeps the drain from completing until it does.
    client.ws.pause();
    assert.equal(await getStatus(server.port, '/ready'), 200);
    const closing = server.close();
    assert.equal(await getStatus(server.port, '/ready'), 503);
    const late = await RawClient.open(server.wsUrl, `/app/${APP.key}?protocol=7`);
    assert.equal((await late.closed).code, 4200, 'a connection during the drain is sent away with 4200');
    client.ws.resume();
    const closed = await client.closed;
    assert.equal(closed.code, 4200);
    await closing;
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`on ${signal}, closes clients with 4200 and exits 0`, async () => {
      const cli = await startCli(['start', '--port', '0'], { SWITCHBOARD_LOG_LEVEL: 'info' });
      const { client } = await RawClient.connect(`ws://127.0.0.1:${cli.port}`, 'app-key');
      cli.signal(signal);
      assert.equal((await client.closed).code, 4200);
      assert.equal(await cli.exited, 0);
    });
  }

  it('exits 0 within the grace period even when a client never answers the close', async () => {
    const cli = await startCli(['start', '--port', '0'], { SWITCHBOARD_SHUTDOWN_GRACE_PERIOD: '1' });
    const { client } = await RawClient.connect(`ws://127.0.0.1:${cli.port}`, 'app-key');
    client.ws.pause();
    cli.signal('SIGTERM');
    assert.equal(await cli.exited, 0);
    assert.ok(cli.lines.some((line) => line.includes('grace period over')), 'the cut-off is logged');
  });
});
