/**
 * Publishes through the HTTP API over keep-alive connections, signing every request as the
 * `pusher` SDK does (`signRestQuery`). Paced: a fixed rate for a fixed time. Closed: each
 * connection sends its next request as soon as the previous one is answered, for a fixed time.
 */
import { signRestQuery } from '../../src/protocol/rest-auth.js';
import { Histogram, nowMicros } from '../stats/histogram.js';
import { HttpConnection } from './http-client.js';
import type { PublishRequest, PublishResult } from './protocol.js';
import { BENCH_EVENT, TIMESTAMP_PREFIX } from './pusher-client.js';

const MAX_FAILURE_SAMPLES = 5;
const PACING_TICK_MS = 1;

class RequestBuilder {
  readonly #request: PublishRequest;
  readonly #path: string;
  readonly #padding: string;
  #cached: { second: number; channel: string; text: string } | undefined;

  constructor(request: PublishRequest) {
    this.#request = request;
    this.#path = `/apps/${request.endpoint.appId}/events`;
    this.#padding = 'x'.repeat(request.payloadBytes);
  }

  /** The complete HTTP request for publish number `sequence`. */
  build(sequence: number): string {
    const { channels, timestamp } = this.#request;
    const channel = channels[sequence % channels.length] ?? '';
    const nowMs = Date.now();
    if (!timestamp) {
      // One constant body: byte for byte what the SDK would send, signed once a second.
      const second = Math.floor(nowMs / 1000);
      if (this.#cached?.second !== second || this.#cached.channel !== channel) {
        this.#cached = { second, channel, text: this.#sign(channel, `${TIMESTAMP_PREFIX}0|`, nowMs) };
      }
      return this.#cached.text;
    }
    return this.#sign(channel, `${TIMESTAMP_PREFIX}${nowMicros()}|`, nowMs);
  }

  #sign(channel: string, prefix: string, nowMs: number): string {
    const data = prefix + this.#padding.slice(0, Math.max(0, this.#request.payloadBytes - prefix.length));
    const body = JSON.stringify({ name: BENCH_EVENT, channel, data });
    const query = signRestQuery(this.#request.endpoint, 'POST', this.#path, {}, body, nowMs);
    const { host, port } = this.#request.endpoint;
    return (
      `POST ${this.#path}?${query} HTTP/1.1\r\nHost: ${host}:${port}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
    );
  }
}

export function publish(request: PublishRequest): Promise<PublishResult> {
  const builder = new RequestBuilder(request);
  const connections = Array.from({ length: Math.max(1, request.connections) }, () => new HttpConnection(request.endpoint.host, request.endpoint.port));
  const latency = new Histogram();
  const failed: Record<string, number> = {};
  const failures: string[] = [];
  const startUs = nowMicros();
  const deadlineUs = startUs + request.durationMs * 1000;
  const total = request.mode === 'paced' ? Math.max(1, Math.round((request.rate * request.durationMs) / 1000)) : Infinity;
  let sent = 0;
  let ok = 0;
  let late = 0;
  let firstSentUs = 0;
  let lastAnswerUs = 0;

  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined = undefined;
    const finishIfDone = (): void => {
      const exhausted = request.mode === 'paced' ? sent >= total : nowMicros() >= deadlineUs;
      if (!exhausted || connections.some((connection) => connection.busy)) return;
      clearInterval(timer);
      for (const connection of connections) connection.close();
      resolve({ sent, ok, failed, failures, firstSentUs, lastAnswerUs, latency: latency.toData(), late });
    };
    const send = (connection: HttpConnection): void => {
      const text = builder.build(sent);
      const sentUs = nowMicros();
      if (sent === 0) firstSentUs = sentUs;
      sent += 1;
      connection.request(text, (status, detail) => {
        lastAnswerUs = nowMicros();
        latency.record(lastAnswerUs - sentUs);
        if (status === 200) {
          ok += 1;
        } else {
          failed[status] = (failed[status] ?? 0) + 1;
          if (failures.length < MAX_FAILURE_SAMPLES) failures.push(`${status}: ${detail ?? ''}`);
        }
        onIdle(connection);
      });
    };
    const due = (): number => Math.min(total, Math.floor(((nowMicros() - startUs) * request.rate) / 1e6) + 1);
    const onIdle = (connection: HttpConnection): void => {
      if (request.mode === 'closed' ? nowMicros() < deadlineUs : sent < due()) send(connection);
      else finishIfDone();
    };
    if (request.mode === 'closed') {
      for (const connection of connections) send(connection);
      return;
    }
    timer = setInterval(() => {
      const target = due();
      while (sent < target) {
        const idle = connections.find((connection) => !connection.busy);
        if (idle === undefined) {
          late += 1;
          break;
        }
        send(idle);
      }
      finishIfDone();
    }, PACING_TICK_MS);
  });
}
