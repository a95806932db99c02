/**
 * A chat client SDK reader in a process of its own (so a test can pause it with SIGSTOP):
 * `node chat-reader-child.js <json>` with `{url, appId, key, token, room}`. Writes one JSON line
 * per step: `{kind: 'subscribed'}` once the room's presence arrives, `{kind: 'message', id}` per
 * message delivered, `{kind: 'discontinuity', from, to}`. Exits when its stdin closes.
 */
import { createRequire } from 'node:module';
import type * as PusherJs from 'pusher-js';
import { ChatClient } from '../../src/chat-client/chat-client.js';
import type { PusherConstructor } from '../../src/chat-client/types.js';

const require = createRequire(import.meta.url);
const Pusher = require('pusher-js') as typeof PusherJs.default.default;

interface ReaderRequest {
  readonly url: string;
  readonly appId: string;
  readonly key: string;
  readonly token: string;
  readonly room: string;
}

const request = JSON.parse(process.argv[2] ?? '{}') as ReaderRequest;
const write = (message: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify(message)}\n`);
const client = new ChatClient({
  Pusher: Pusher as unknown as PusherConstructor,
  url: request.url,
  appId: request.appId,
  key: request.key,
  tokenProvider: () => Promise.resolve(request.token),
  pusherOptions: { enabledTransports: ['ws'] },
});
let subscribed = false;
client.subscribe(
  request.room,
  {
    onMessage: (message) => write({ kind: 'message', id: message.id }),
    onPresence: () => {
      if (subscribed) return;
      subscribed = true;
      write({ kind: 'subscribed' });
    },
    onDiscontinuity: (gap) => write({ kind: 'discontinuity', ...gap }),
  },
  { after: 0 },
);
process.stdin.resume();
process.stdin.on('end', () => {
  client.disconnect();
  process.exit(0);
});
