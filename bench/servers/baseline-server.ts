/**
 * The baseline: the floor each scenario is compared with. A minimal broadcast server on the same
 * engine as Switchboard (Node, the `ws` handshake and reader, the same frame encoder) that does no
 * protocol work: no signatures checked, nothing validated, no presence state, no limits, no
 * liveness. It keeps channel -> sockets, answers connect/subscribe/ping with the messages a client
 * waits for, and publishes what `POST /apps/{id}/events` gives it.
 *
 * --mode coalesced: each message is encoded once and the same bytes are queued on every
 *   recipient; every socket is written once per event-loop turn (what Switchboard does).
 * --mode naive: one `ws.send` per recipient per message (what Switchboard avoids).
 *
 * Usage: node --expose-gc baseline-server.js --mode coalesced|naive [--host H] [--port N]
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { parseArgs } from 'node:util';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { encodeChannelEvent, encodeConnectionEstablished, encodeSubscriptionSucceeded, PONG_TEXT } from '../../src/protocol/codec.js';
import { encodeTextFrame } from '../../src/protocol/websocket-frame.js';
import { serveChildIpc } from './child-ipc.js';

const MAX_BODY_BYTES = 1_048_576;

const { values } = parseArgs({
  options: { mode: { type: 'string', default: 'coalesced' }, host: { type: 'string', default: '127.0.0.1' }, port: { type: 'string', default: '0' } },
});
const naive = values.mode === 'naive';
if (!naive && values.mode !== 'coalesced') throw new Error(`--mode must be coalesced or naive, got ${values.mode}`);

class Client {
  readonly channels = new Set<string>();
  queue: Buffer[] = [];
  constructor(
    readonly ws: WebSocket,
    readonly socket: Socket,
  ) {}
}

const channels = new Map<string, Set<Client>>();
let flushing: Client[] = [];
let nextSocketId = 1;

function flush(): void {
  const clients = flushing;
  flushing = [];
  for (const client of clients) {
    const queue = client.queue;
    client.queue = [];
    if (queue.length === 1) {
      client.socket.write(queue[0] as Buffer);
      continue;
    }
    client.socket.cork();
    for (const bytes of queue) client.socket.write(bytes);
    client.socket.uncork();
  }
}

function enqueue(client: Client, bytes: Buffer): void {
  if (client.queue.length === 0) {
    if (flushing.length === 0) setImmediate(flush);
    flushing.push(client);
  }
  client.queue.push(bytes);
}

function send(client: Client, text: string): void {
  if (naive) client.ws.send(text);
  else enqueue(client, encodeTextFrame(text));
}

function publish(channel: string, text: string): void {
  const subscribers = channels.get(channel);
  if (subscribers === undefined) return;
  if (naive) {
    for (const client of subscribers) client.ws.send(text);
    return;
  }
  const bytes = encodeTextFrame(text);
  for (const client of subscribers) enqueue(client, bytes);
}

function leave(client: Client, channel: string): void {
  const subscribers = channels.get(channel);
  subscribers?.delete(client);
  if (subscribers?.size === 0) channels.delete(channel);
  client.channels.delete(channel);
}

function onMessage(client: Client, data: RawData): void {
  let message: { event?: unknown; data?: unknown };
  try {
    // With the default binaryType, ws hands every message over as one Buffer.
    message = JSON.parse((data as Buffer).toString('utf8')) as { event?: unknown; data?: unknown };
  } catch {
    return;
  }
  const payload = (typeof message.data === 'string' ? JSON.parse(message.data) : message.data) as { channel?: unknown } | undefined;
  const channel = typeof payload?.channel === 'string' ? payload.channel : undefined;
  if (message.event === 'pusher:ping') {
    send(client, PONG_TEXT);
  } else if (message.event === 'pusher:subscribe' && channel !== undefined) {
    let subscribers = channels.get(channel);
    if (subscribers === undefined) {
      subscribers = new Set();
      channels.set(channel, subscribers);
    }
    subscribers.add(client);
    client.channels.add(channel);
    send(client, encodeSubscriptionSucceeded(channel));
  } else if (message.event === 'pusher:unsubscribe' && channel !== undefined) {
    leave(client, channel);
  }
}

function onPublish(request: IncomingMessage, response: ServerResponse): void {
  const chunks: Buffer[] = [];
  let size = 0;
  request.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size <= MAX_BODY_BYTES) chunks.push(chunk);
  });
  request.on('end', () => {
    let status = 200;
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { name: string; channel?: string; channels?: string[]; data?: string };
      for (const channel of body.channels ?? [body.channel ?? '']) publish(channel, encodeChannelEvent(channel, body.name, body.data));
    } catch {
      status = 400;
    }
    response.writeHead(status, { 'content-type': 'application/json', 'content-length': 2 });
    response.end('{}');
  });
}

const wss = new WebSocketServer({ noServer: true, clientTracking: false, perMessageDeflate: false, maxPayload: 102_400 });
const server = createServer((request, response) => {
  if (request.method === 'POST' && /^\/apps\/[^/]+\/events(\?|$)/.test(request.url ?? '')) return onPublish(request, response);
  request.resume();
  response.writeHead(404, { 'content-length': 0 });
  response.end();
});
server.keepAliveTimeout = 65_000;
server.on('upgrade', (request: IncomingMessage, socket: Socket, head: Buffer) => {
  wss.handleUpgrade(request, socket, head, (ws) => {
    socket.setNoDelay(true);
    const client = new Client(ws, socket);
    ws.on('message', (data: RawData) => onMessage(client, data));
    ws.on('error', () => undefined);
    ws.on('close', () => {
      for (const channel of [...client.channels]) leave(client, channel);
    });
    send(client, encodeConnectionEstablished(`${process.pid}.${nextSocketId++}`, 120));
  });
});
server.listen(Number(values.port), values.host, () => {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('not listening');
  serveChildIpc(address.port, () => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(() => resolve()));
  });
});
