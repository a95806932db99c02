/**
 * The chat benchmark's room members, in a process of their own (forked by chat-bench.ts): one
 * WebSocket per member (`ws`), each subscribed to the room's presence channel through the chat
 * client API's channel authorization, exactly as the SDK does. Every `chat-message` carries its
 * send time (monotonic µs, comparable across processes); the delay to each member is recorded.
 *
 * IPC: argv[2] is `{port, appId, key, room, tokens}`; says `{type: 'ready'}` once every member
 * is subscribed; `{type: 'reset', since}` clears the figures and ignores messages sent before `since` (the warm-up); `{type: 'report'}` is
 * answered with `{type: 'report', latency, received}`.
 */
import WebSocket from 'ws';
import { Histogram, nowMicros } from '../stats/histogram.js';

interface Setup {
  readonly port: number;
  readonly appId: string;
  readonly key: string;
  readonly room: string;
  readonly tokens: readonly string[];
}

const setup = JSON.parse(process.argv[2] ?? '{}') as Setup;
const latency = new Histogram();
let received = 0;
/** Messages sent before this (the warm-up) are not counted. */
let since = 0;
const sockets: WebSocket[] = [];
const CONTENT = /content\\?":\\?"(\d+)/;

async function member(token: string): Promise<void> {
  const socket = new WebSocket(`ws://127.0.0.1:${setup.port}/app/${setup.key}?protocol=7&client=bench&version=1`);
  sockets.push(socket);
  const channel = `presence-chat-${setup.room}`;
  await new Promise<void>((resolve, reject) => {
    socket.on('error', reject);
    socket.on('message', (raw: Buffer) => {
      const text = raw.toString('utf8');
      // The hot path reads the send time without parsing the frame: the content is the only
      // digits-only string after "content".
      if (text.startsWith('{"event":"chat-message"')) {
        const match = CONTENT.exec(text);
        const sentAt = Number(match?.[1]);
        if (sentAt < since) return;
        latency.record(nowMicros() - sentAt);
        received += 1;
        return;
      }
      const frame = JSON.parse(text) as { event: string; data?: string };
      if (frame.event === 'chat-message') {
        return;
      } else if (frame.event === 'pusher:connection_established' && frame.data !== undefined) {
        const socketId = (JSON.parse(frame.data) as { socket_id: string }).socket_id;
        void authorize(token, socketId, channel).then(
          (auth) => socket.send(JSON.stringify({ event: 'pusher:subscribe', data: { channel, ...auth } })),
          reject,
        );
      } else if (frame.event === 'pusher_internal:subscription_succeeded') {
        resolve();
      } else if (frame.event === 'pusher:subscription_error' || frame.event === 'pusher:error') {
        reject(new Error(`subscription failed: ${frame.data ?? ''}`));
      }
    });
  });
}

async function authorize(token: string, socketId: string, channel: string): Promise<{ auth: string; channel_data: string }> {
  const response = await fetch(`http://127.0.0.1:${setup.port}/apps/${setup.appId}/chat/client/auth`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ socket_id: socketId, channel_name: channel }).toString(),
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok) throw new Error(`auth ${response.status}: ${await response.text()}`);
  return (await response.json()) as { auth: string; channel_data: string };
}

process.on('message', (request: { type: string; since?: number }) => {
  if (request.type === 'reset') {
    latency.reset();
    received = 0;
    since = request.since ?? 0;
  } else if (request.type === 'report') {
    process.send?.({ type: 'report', latency: latency.toData(), received });
  }
});
process.on('disconnect', () => {
  for (const socket of sockets) socket.terminate();
  process.exit(0);
});

// Members join ten at a time (each is an auth request and a presence join).
for (let start = 0; start < setup.tokens.length; start += 10) {
  await Promise.all(setup.tokens.slice(start, start + 10).map(member));
}
process.send?.({ type: 'ready' });
