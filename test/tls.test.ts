/**
 * TLS on the main listener (`tls.cert`, `tls.key`, `tls.ca`, `tls.passphrase`), with certificates
 * made at test time and clients that verify them against the test CA: pusher-js over wss:// and
 * over xhr_streaming on https://, the pusher SDK over https://, the health endpoints; plain HTTP
 * on the TLS port gets nothing.
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { connect as tcpConnect } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { sdkFor } from './helpers/pusher.js';
import { PusherClientProcess } from './helpers/pusher-client-process.js';
import { RawClient } from './helpers/raw-client.js';
import { APP, startServer, type TestServer } from './helpers/server.js';
import { createCa, createLeaf, encryptKey, testPki, type TestCertificate } from './helpers/tls-certs.js';

interface Answer {
  readonly status: number;
  readonly body: string;
}

/** One GET over https, trusting only `ca`; rejects with the TLS error when verification fails. */
function httpsGet(port: number, path: string, ca: Buffer, options: RequestOptions = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = httpsRequest({ host: '127.0.0.1', port, path, ca, agent: false, ...options }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('error', reject);
    request.end();
  });
}

describe('TLS on the main listener', () => {
  let root: TestCertificate;
  let leaf: TestCertificate;
  let server: TestServer;
  const children: PusherClientProcess[] = [];

  before(async () => {
    ({ root, leaf } = await testPki());
    server = await startServer({ tls: { cert: leaf.certPath, key: leaf.keyPath } });
  });
  after(async () => {
    await Promise.all(children.map((child) => child.close()));
    await server.close();
  });

  function pusherJs(transport: 'ws' | 'xhr_streaming', channel: string): PusherClientProcess {
    const child = new PusherClientProcess(root.certPath, {
      key: APP.key,
      channel,
      event: 'greeting',
      options: {
        cluster: 'mt1',
        forceTLS: true,
        wsHost: server.host,
        wssPort: server.port,
        httpHost: server.host,
        httpsPort: server.port,
        httpPath: '/pusher',
        enabledTransports: [transport],
      },
    });
    children.push(child);
    return child;
  }

  it('pusher-js over wss:// and over xhr_streaming on https:// receives an event the SDK triggers over https://', async () => {
    const overWebSocket = pusherJs('ws', 'tls-news');
    const overStreaming = pusherJs('xhr_streaming', 'tls-news');
    assert.equal((await overWebSocket.next('connected')).transport, 'ws');
    assert.equal((await overStreaming.next('connected')).transport, 'xhr_streaming');
    await Promise.all([overWebSocket.next('subscribed'), overStreaming.next('subscribed')]);

    await sdkFor(server, APP, root.pem).trigger('tls-news', 'greeting', { over: 'tls' });
    assert.deepEqual((await overWebSocket.next('event')).data, { over: 'tls' });
    assert.deepEqual((await overStreaming.next('event')).data, { over: 'tls' });
  });

  it('answers /ready and / over https://, and the wss:// handshake verifies against the CA', async () => {
    const ready = await httpsGet(server.port, '/ready', root.pem);
    assert.deepEqual({ status: ready.status, body: JSON.parse(ready.body) as unknown }, { status: 200, body: { ready: true } });
    assert.equal((await httpsGet(server.port, '/', root.pem)).status, 200);
    const { client } = await RawClient.connect(`wss://${server.host}:${server.port}`, APP.key, { ca: root.pem });
    client.ws.close();
    await client.closed;
    // A client that does not trust the test CA is refused by its own verification.
    await assert.rejects(httpsGet(server.port, '/ready', Buffer.from('')), { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
  });

  it('gives plain http:// and ws:// on the TLS port no answer', async () => {
    const plain = new Promise<number>((resolve, reject) => {
      const request = httpRequest({ host: server.host, port: server.port, path: '/ready', agent: false }, (response) => resolve(response.statusCode ?? 0));
      request.on('error', reject);
      request.end();
    });
    await assert.rejects(plain, (error: NodeJS.ErrnoException) => error.code === 'ECONNRESET' || error.message === 'socket hang up');
    await assert.rejects(RawClient.connect(server.wsUrl, APP.key));
  });
});

describe('TLS files', () => {
  let dir: string;
  let root: TestCertificate;
  let leaf: TestCertificate;

  before(async () => {
    ({ dir, root, leaf } = await testPki());
  });

  it('sends the intermediates of tls.ca, so a client that trusts only the root verifies a leaf of an intermediate', async () => {
    const intermediate = await createCa(dir, 'Switchboard Test Intermediate', root);
    const underIntermediate = await createLeaf(dir, intermediate);
    const { certPath: cert, keyPath: key } = underIntermediate;
    const withChain = await startServer({ tls: { cert, key, ca: intermediate.certPath } });
    const withoutChain = await startServer({ tls: { cert, key } });
    try {
      assert.equal((await httpsGet(withChain.port, '/ready', root.pem)).status, 200);
      await assert.rejects(httpsGet(withoutChain.port, '/ready', root.pem), { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    } finally {
      await Promise.all([withChain.close(), withoutChain.close()]);
    }
  });

  it('serves an encrypted key with tls.passphrase', async () => {
    const key = await encryptKey(leaf, 'correct horse');
    const server = await startServer({ tls: { cert: leaf.certPath, key, passphrase: 'correct horse' } });
    try {
      assert.equal((await httpsGet(server.port, '/ready', root.pem)).status, 200);
    } finally {
      await server.close();
    }
  });

  it('cuts a client that never completes its TLS handshake after http.requestTimeout', async () => {
    const server = await startServer({ tls: { cert: leaf.certPath, key: leaf.keyPath }, http: { requestTimeout: 1 } });
    try {
      const socket = tcpConnect(server.port, '127.0.0.1');
      socket.on('error', () => undefined);
      const closed = new Promise<'closed'>((resolve) => socket.on('close', () => resolve('closed')));
      // Node's own handshake timeout is 120 s; the deadline is 1 s (plus node's check interval).
      const outcome = await Promise.race([closed, delay(10_000, 'still open', { ref: false })]);
      socket.destroy();
      assert.equal(outcome, 'closed');
    } finally {
      await server.close();
    }
  });
});
