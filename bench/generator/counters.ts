/** What one generator process has seen since the last reset. */
import { Histogram } from '../stats/histogram.js';
import type { WorkerStats } from './protocol.js';

const MAX_SAMPLES = 5;

export class Counters {
  received = 0;
  firstReceivedUs = 0;
  lastReceivedUs = 0;
  memberEvents = 0;
  pusherErrors = 0;
  readonly latency = new Histogram();
  #unexpectedCloses: Record<string, number> = {};
  #samples: string[] = [];

  /** One benchmark event published at `sentUs` and read at `receivedUs`. */
  delivery(sentUs: number, receivedUs: number): void {
    if (this.received === 0) this.firstReceivedUs = receivedUs;
    this.received += 1;
    this.lastReceivedUs = receivedUs;
    this.latency.record(receivedUs - sentUs);
  }

  unexpectedClose(code: number, error: string | undefined): void {
    this.#unexpectedCloses[code] = (this.#unexpectedCloses[code] ?? 0) + 1;
    this.sample(`closed by the server with ${code}${error === undefined ? '' : ` (${error})`}`);
  }

  sample(text: string): void {
    if (this.#samples.length < MAX_SAMPLES) this.#samples.push(text);
  }

  reset(): void {
    this.received = 0;
    this.firstReceivedUs = 0;
    this.lastReceivedUs = 0;
    this.memberEvents = 0;
    this.pusherErrors = 0;
    this.latency.reset();
    this.#unexpectedCloses = {};
    this.#samples = [];
  }

  snapshot(open: number, histogram: boolean): WorkerStats {
    return {
      received: this.received,
      firstReceivedUs: this.firstReceivedUs,
      lastReceivedUs: this.lastReceivedUs,
      memberEvents: this.memberEvents,
      pusherErrors: this.pusherErrors,
      unexpectedCloses: { ...this.#unexpectedCloses },
      open,
      samples: [...this.#samples],
      latency: histogram ? this.latency.toData() : undefined,
    };
  }
}
