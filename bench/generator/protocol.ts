/** The messages between the benchmark's orchestrator and its load-generator worker processes. */
import type { HistogramData } from '../stats/histogram.js';

/** A Pusher-compatible server: where to connect and how to sign. */
export interface Endpoint {
  readonly host: string;
  readonly port: number;
  readonly appId: string;
  readonly key: string;
  readonly secret: string;
}

/**
 * Which channel connection `i` subscribes to: `prefix` alone (shared), `prefix + i`
 * (one each), or `prefix + (i % modulo)`. Private and presence channels are signed by the
 * generator with the app secret, as an auth endpoint would; presence members are `u{i}`.
 */
export interface SubscribeSpec {
  readonly prefix: string;
  readonly naming: 'shared' | 'per-connection' | 'modulo';
  readonly modulo?: number;
}

export interface OpenRequest {
  readonly type: 'open';
  readonly endpoint: Endpoint;
  readonly count: number;
  /** Index of this worker's first connection (names channels and users uniquely across workers). */
  readonly firstIndex: number;
  /** Handshakes in flight at once. */
  readonly concurrency: number;
  readonly localAddresses: readonly string[];
  readonly subscribe: SubscribeSpec | undefined;
}

export interface ChurnRequest {
  readonly type: 'churn';
  readonly endpoint: Endpoint;
  readonly durationMs: number;
  readonly concurrency: number;
  readonly localAddresses: readonly string[];
  /** Presence channels the churners join, round-robin. */
  readonly channels: readonly string[];
  readonly userPrefix: string;
  /**
   * How long a churner stays joined before it leaves (default 0: at once). When above 0, the
   * loops start spread over this time, so that joins and leaves come at a steady rate, and every
   * other churner sends `pusher:unsubscribe` before it closes.
   */
  readonly holdMs?: number;
}

export interface PublishRequest {
  readonly type: 'publish';
  readonly endpoint: Endpoint;
  /** `paced`: `rate` publishes per second; `closed`: each connection publishes again on every answer. */
  readonly mode: 'paced' | 'closed';
  readonly rate: number;
  readonly durationMs: number;
  /** Keep-alive HTTP connections. */
  readonly connections: number;
  /** Publish k goes to `channels[k % channels.length]`. */
  readonly channels: readonly string[];
  readonly payloadBytes: number;
  /** Put the publish time in the payload (latency); off: one constant body, signed once a second. */
  readonly timestamp: boolean;
}

export type WorkerRequest =
  | OpenRequest
  | ChurnRequest
  | PublishRequest
  | { readonly type: 'reset' }
  | { readonly type: 'stats'; readonly histogram: boolean }
  | { readonly type: 'close-all' };

export interface OpenResult {
  readonly opened: number;
  readonly failed: number;
  readonly failures: readonly string[];
  readonly elapsedMs: number;
  /** Time from TCP connect to ready (established, and subscribed when asked). */
  readonly handshake: HistogramData;
  /** Ready connections by the channel they subscribed to. */
  readonly subscribed: Readonly<Record<string, number>>;
}

export interface ChurnResult {
  readonly cycles: number;
  readonly failed: number;
  readonly failures: readonly string[];
  readonly elapsedMs: number;
  /** Time from TCP connect to subscription_succeeded. */
  readonly join: HistogramData;
}

export interface PublishResult {
  readonly sent: number;
  readonly ok: number;
  /** Answers other than 200, by status, and broken connections as "error". */
  readonly failed: Readonly<Record<string, number>>;
  readonly failures: readonly string[];
  /** Monotonic µs of the first request and the last answer. */
  readonly firstSentUs: number;
  readonly lastAnswerUs: number;
  /** Request-to-answer time. */
  readonly latency: HistogramData;
  /** Paced mode: pacing ticks in which a due publish found every connection busy (the publisher fell behind). */
  readonly late: number;
}

export interface WorkerStats {
  /** Benchmark events received (payloads carrying a publish timestamp). */
  readonly received: number;
  readonly firstReceivedUs: number;
  readonly lastReceivedUs: number;
  readonly memberEvents: number;
  readonly pusherErrors: number;
  /** Ready connections the server closed, by close code. */
  readonly unexpectedCloses: Readonly<Record<string, number>>;
  readonly open: number;
  readonly samples: readonly string[];
  readonly latency: HistogramData | undefined;
}

export interface WorkerReplies {
  open: OpenResult;
  churn: ChurnResult;
  publish: PublishResult;
  reset: null;
  stats: WorkerStats;
  'close-all': null;
}

export type WorkerMessage = { readonly id: number; readonly request: WorkerRequest };
export type WorkerAnswer =
  | { readonly id: number; readonly ok: true; readonly result: unknown }
  | { readonly id: number; readonly ok: false; readonly error: string };
