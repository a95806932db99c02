/**
 * The server under fuzz, in this process, and the invariants checked after every batch:
 * - nothing crashed: no uncaught exception or unhandled rejection, no error-level log line;
 * - the server answers pings: a control client gets its pong;
 * - other clients still receive: a control subscriber gets an HTTP API event (on another app, so
 *   the fuzzed app's publish rate limit cannot hide it) and a control client event on the fuzzed
 *   app;
 * - nothing is stuck: once a batch's clients are gone, only the control connections remain;
 * - memory after GC stays within `baseline + heapSlackBytes` (checked every `gcEvery` batches).
 */
import { pino } from 'pino';
import { signRestQuery } from '../../src/protocol/rest-auth.js';
import { channelStringToSign, signToken } from '../../src/protocol/signatures.js';
import { RawClient, dataOf } from '../helpers/raw-client.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';
import { eventually } from '../helpers/wait.js';
import type { Credentials } from './render.js';

export const FUZZ_APP: Credentials = { id: 'fuzz-app', key: 'fuzz-key', secret: 'fuzz-secret' };
const CONTROL_APP: Credentials = { id: 'control-app', key: 'control-key', secret: 'control-secret' };
const CONTROL_CHANNEL = 'private-control';
const CONTROL_TIMEOUT_MS = 10_000;
/** Above the fuzzed app's default client-event interval (10 per second). */
const CLIENT_EVENT_INTERVAL_MS = 120;

export class InvariantBroken extends Error {}

async function within<T>(promise: Promise<T>, what: string, timeoutMs = CONTROL_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new InvariantBroken(`${what}: no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

interface Controls {
  /** On the control app's public channel: pings and HTTP API events. */
  readonly watcher: RawClient;
  /** Both on the fuzzed app's private-control channel: client events from one to the other. */
  readonly sender: RawClient;
  readonly receiver: RawClient;
}

export class FuzzTarget {
  readonly server: TestServer;
  readonly #receiver: WebhookReceiver;
  readonly #errors: string[];
  readonly #controls: Controls;
  readonly #onCrash: (error: unknown) => void;
  #baselineHeap: number | undefined;
  #lastClientEventAt = 0;
  peakHeap = 0;

  private constructor(
    server: TestServer,
    receiver: WebhookReceiver,
    errors: string[],
    controls: Controls,
    onCrash: (error: unknown) => void,
  ) {
    this.server = server;
    this.#receiver = receiver;
    this.#errors = errors;
    this.#controls = controls;
    this.#onCrash = onCrash;
    process.on('uncaughtException', onCrash);
    process.on('unhandledRejection', onCrash);
  }

  static async start(): Promise<FuzzTarget> {
    const errors: string[] = [];
    const logger = pino({ level: 'error' }, { write: (line: string) => void errors.push(line.slice(0, 2_000)) });
    const receiver = await WebhookReceiver.start();
    const server = await startServer(
      {
        apps: [
          {
            ...FUZZ_APP,
            clientEvents: true,
            subscriptionCount: true,
            watchlistEvents: true,
            webhooks: [{ url: receiver.url() }],
          },
          { ...CONTROL_APP, clientEvents: true },
        ],
        webhooks: { batchWindowMs: 50 },
      },
      { logger },
    );
    const watcher = (await RawClient.connect(server.wsUrl, CONTROL_APP.key)).client;
    watcher.send({ event: 'pusher:subscribe', data: { channel: 'control' } });
    await watcher.nextEvent('pusher_internal:subscription_succeeded', 'control');
    const [sender, receiverClient] = await Promise.all([privateControl(server), privateControl(server)]);
    const crashes = (error: unknown): void => void errors.push(`uncaught: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return new FuzzTarget(server, receiver, errors, { watcher, sender, receiver: receiverClient }, crashes);
  }

  get port(): number {
    return this.server.port;
  }

  /** Checks every invariant; throws InvariantBroken naming the first that does not hold. */
  async check(batchIndex: number, heap: boolean, heapSlackBytes: number): Promise<void> {
    this.#throwIfErrors();
    const { watcher, sender, receiver } = this.#controls;
    // Every control client pings: that is the invariant, and it keeps each one active, as a real
    // client is (a silent one would be closed with 4201 once the server's own ping goes unanswered).
    await Promise.all(
      ([['watcher', watcher], ['sender', sender], ['receiver', receiver]] as const).map(([name, client]) => {
        client.send({ event: 'pusher:ping', data: {} });
        return within(client.nextEvent('pusher:pong'), `control client ping (${name})`);
      }),
    );
    const tick = String(batchIndex);
    const published = within(nextWithData(watcher, 'tick', tick), 'control subscriber (HTTP API event)');
    await within(publishControl(this.server, tick), 'HTTP API publish');
    await published;
    const relayed = within(nextWithData(receiver, 'client-control', tick), 'control subscriber (client event)');
    await this.#paceClientEvent();
    sender.send({ event: 'client-control', channel: CONTROL_CHANNEL, data: tick });
    await relayed.catch((error: unknown) => {
      throw new InvariantBroken(`${error instanceof Error ? error.message : String(error)} (${describe('sender', sender)}; ${describe('receiver', receiver)})`);
    });
    try {
      await eventually(() => this.server.server.engine.connectionCount === 3, 'only the control connections left', CONTROL_TIMEOUT_MS);
    } catch {
      throw new InvariantBroken(`connections stuck: ${this.server.server.engine.connectionCount - 3} fuzz connections still open after their clients left`);
    }
    if (heap) this.#checkHeap(heapSlackBytes);
    this.#throwIfErrors();
    // Webhook requests are only counted; the receiver keeps no more than the last few.
    this.#receiver.requests.splice(0, Math.max(0, this.#receiver.requests.length - 10));
  }

  /**
   * The sender is an ordinary client of the fuzzed app, held to its client-event rate limit
   * (clientEventsPerSecond, default 10): short batches would otherwise outrun it and get 4301.
   */
  async #paceClientEvent(): Promise<void> {
    const wait = this.#lastClientEventAt + CLIENT_EVENT_INTERVAL_MS - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    this.#lastClientEventAt = Date.now();
  }

  #checkHeap(slackBytes: number): void {
    if (globalThis.gc === undefined) throw new InvariantBroken('heap check needs node --expose-gc');
    globalThis.gc();
    const used = process.memoryUsage().heapUsed;
    this.peakHeap = Math.max(this.peakHeap, used);
    this.#baselineHeap ??= used;
    if (used > this.#baselineHeap + slackBytes) {
      throw new InvariantBroken(`heap after GC ${mb(used)} MB, over the baseline ${mb(this.#baselineHeap)} MB + ${mb(slackBytes)} MB`);
    }
  }

  get baselineHeap(): number | undefined {
    return this.#baselineHeap;
  }

  #throwIfErrors(): void {
    if (this.#errors.length > 0) throw new InvariantBroken(`server logged an error or crashed:\n${this.#errors.join('\n')}`);
  }

  async close(): Promise<void> {
    process.off('uncaughtException', this.#onCrash);
    process.off('unhandledRejection', this.#onCrash);
    const { watcher, sender, receiver } = this.#controls;
    await Promise.all([watcher.close(), sender.close(), receiver.close()]);
    await this.server.close();
    await this.#receiver.close();
  }
}

/** A control client's socket state and its last messages, for a failure report. */
function describe(name: string, client: RawClient): string {
  const last = client.received.slice(-3).map((message) => JSON.stringify(message).slice(0, 200));
  return `${name}: readyState ${client.ws.readyState}, last messages ${last.join(' ')}`;
}

export function mb(bytes: number): string {
  return (bytes / 1_048_576).toFixed(1);
}

async function privateControl(server: TestServer): Promise<RawClient> {
  const { client, socketId } = await RawClient.connect(server.wsUrl, FUZZ_APP.key);
  client.send({ event: 'pusher:subscribe', data: { channel: CONTROL_CHANNEL, auth: signToken(FUZZ_APP, channelStringToSign(socketId, CONTROL_CHANNEL)) } });
  await client.nextEvent('pusher_internal:subscription_succeeded', CONTROL_CHANNEL);
  return client;
}

async function nextWithData(client: RawClient, event: string, data: string): Promise<void> {
  for (;;) {
    const message = await client.nextEvent(event);
    if (dataOf(message) === Number(data) || message.data === data) return;
  }
}

async function publishControl(server: TestServer, tick: string): Promise<void> {
  const path = `/apps/${CONTROL_APP.id}/events`;
  const body = JSON.stringify({ name: 'tick', channel: 'control', data: tick });
  const query = signRestQuery(CONTROL_APP, 'POST', path, {}, body, Date.now());
  const response = await fetch(`${server.httpUrl}${path}?${query}`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
  if (response.status !== 200) throw new InvariantBroken(`control publish answered ${response.status}: ${await response.text()}`);
}
