/**
 * Carries y-protocols messages (sync and awareness), unmodified, as client events on a presence
 * channel: each message is base64-encoded and, when larger than a client event may be, cut into
 * chunks the receivers put back together. Sends are paced to stay under the app's client event
 * rate; a burst (a large paste) waits its turn instead of being refused.
 *
 * `client-yjs` data: { kind: "sync" | "awareness", id, index, count, data } where `data` is part
 * `index` of `count` of the base64 text of message `id` (unique per sender).
 */
import { fromBase64, toBase64 } from 'lib0/buffer';
import type { PresenceChannel } from 'pusher-js';
import { randomId } from '../../shared/page/connect.js';

export type MessageKind = 'sync' | 'awareness';

interface Chunk {
  readonly kind: MessageKind;
  readonly id: string;
  readonly index: number;
  readonly count: number;
  readonly data: string;
}

/** Base64 characters per chunk: with the envelope, under the default 10 KB event limit. */
export const CHUNK_CHARS = 8_000;
/** Client events per second this page sends at most (the app allows 100 here; Pusher's default is 10). */
const SENDS_PER_SECOND = 50;
/** A message whose chunks stop arriving is dropped after this. */
const ASSEMBLY_TIMEOUT_MS = 10_000;
/** Messages being put together at once (each sender sends one at a time, so this is per room). */
const MAX_ASSEMBLIES = 200;

interface Assembly {
  readonly parts: (string | undefined)[];
  received: number;
  readonly timer: ReturnType<typeof setTimeout>;
}

function isChunk(value: unknown): value is Chunk {
  if (typeof value !== 'object' || value === null) return false;
  const chunk = value as Record<string, unknown>;
  return (
    (chunk['kind'] === 'sync' || chunk['kind'] === 'awareness') &&
    typeof chunk['id'] === 'string' &&
    typeof chunk['data'] === 'string' &&
    Number.isInteger(chunk['index']) &&
    Number.isInteger(chunk['count']) &&
    (chunk['count'] as number) > 0 &&
    (chunk['count'] as number) <= 1_000 &&
    (chunk['index'] as number) >= 0 &&
    (chunk['index'] as number) < (chunk['count'] as number)
  );
}

export class YjsChannel {
  readonly #channel: PresenceChannel;
  readonly #queue: Chunk[] = [];
  readonly #assemblies = new Map<string, Assembly>();
  #sentAt: number[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #nextId = 0;
  readonly #prefix = randomId().slice(0, 8);

  /** `onMessage` gets each whole message, with the sender's presence user id. */
  constructor(channel: PresenceChannel, onMessage: (kind: MessageKind, message: Uint8Array, from: string) => void) {
    this.#channel = channel;
    channel.bind('client-yjs', (chunk: unknown, metadata?: { user_id?: string }) => {
      const from = metadata?.user_id ?? '';
      if (!isChunk(chunk)) return;
      const message = this.#assemble(from, chunk);
      if (message !== undefined) onMessage(chunk.kind, fromBase64(message), from);
    });
  }

  send(kind: MessageKind, message: Uint8Array): void {
    const text = toBase64(message);
    const count = Math.max(1, Math.ceil(text.length / CHUNK_CHARS));
    const id = `${this.#prefix}-${this.#nextId++}`;
    for (let index = 0; index < count; index += 1) {
      this.#queue.push({ kind, id, index, count, data: text.slice(index * CHUNK_CHARS, (index + 1) * CHUNK_CHARS) });
    }
    this.#drain();
  }

  readonly #onTimer = (): void => {
    this.#timer = undefined;
    this.#drain();
  };

  /** Sends what the rate allows now, and sets a timer for the rest (one at a time). */
  #drain(): void {
    if (!this.#channel.subscribed) return;
    const now = performance.now();
    this.#sentAt = this.#sentAt.filter((at) => now - at < 1_000);
    while (this.#queue.length > 0 && this.#sentAt.length < SENDS_PER_SECOND) {
      const chunk = this.#queue.shift();
      if (chunk === undefined) break;
      this.#channel.trigger('client-yjs', chunk);
      this.#sentAt.push(now);
    }
    const oldest = this.#sentAt[0];
    if (this.#queue.length > 0 && oldest !== undefined && this.#timer === undefined) this.#timer = setTimeout(this.#onTimer, oldest + 1_000 - now);
  }

  /** Sends what waited for the subscription (call on pusher:subscription_succeeded). */
  flush(): void {
    this.#drain();
  }

  #assemble(from: string, chunk: Chunk): string | undefined {
    if (chunk.count === 1) return chunk.data;
    const key = `${from}/${chunk.id}`;
    let assembly = this.#assemblies.get(key);
    if (assembly === undefined) {
      if (this.#assemblies.size >= MAX_ASSEMBLIES) return undefined;
      assembly = {
        parts: new Array<string | undefined>(chunk.count).fill(undefined),
        received: 0,
        timer: setTimeout(() => this.#assemblies.delete(key), ASSEMBLY_TIMEOUT_MS),
      };
      this.#assemblies.set(key, assembly);
    }
    if (assembly.parts.length !== chunk.count || assembly.parts[chunk.index] !== undefined) return undefined;
    assembly.parts[chunk.index] = chunk.data;
    assembly.received += 1;
    if (assembly.received < chunk.count) return undefined;
    clearTimeout(assembly.timer);
    this.#assemblies.delete(key);
    return assembly.parts.join('');
  }
}
