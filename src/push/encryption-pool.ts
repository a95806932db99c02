/**
 * Encrypts push payloads (RFC 8291, aes128gcm.ts) off the main thread: a fixed number of worker
 * threads, one batch (a deliver job's devices) on each at a time, batches waiting in a bounded
 * FIFO queue. ECDH per message is most of a push message's CPU cost; spread over threads it
 * lets one process deliver beyond one core, and keeps the event loop free for sockets.
 *
 * Contracts:
 * - `encrypt` resolves with one entry per subscription, in order: the body, or an Error for a
 *   subscription whose keys cannot be used. It rejects (EncryptionPoolError) when the queue is
 *   full, when the pool is closed, when the thread running the batch died (the thread is
 *   replaced), or when a thread could not start at all (the pool is then broken for good:
 *   every call rejects with that reason, rather than restarting a thread that cannot run).
 * - `close` rejects what is queued or running and ends the threads; calls after it reject.
 * With `threads: 0` the same contract is met on the calling thread (InlineEncryptor).
 */
import { Worker } from 'node:worker_threads';
import { encryptFor, plaintextOf, type SubscriptionKeys } from './aes128gcm.js';

export interface PayloadEncryptor {
  encrypt(keys: readonly SubscriptionKeys[], payload: string): Promise<readonly (Buffer | Error)[]>;
  close(): Promise<void>;
}

/** What the main thread sends a worker, and what it answers (encrypt-worker.ts). */
export interface EncryptRequest {
  readonly id: number;
  readonly payload: string;
  readonly keys: readonly SubscriptionKeys[];
}
export type EncryptReply =
  | { readonly type: 'ready' }
  /** `results[i]`: the length of body i (bodies follow each other in `data`), or why it failed. */
  | { readonly type: 'done'; readonly id: number; readonly data: ArrayBuffer; readonly results: readonly (number | string)[] };

export class EncryptionPoolError extends Error {
  override readonly name = 'EncryptionPoolError';
}

export interface EncryptionPoolOptions {
  readonly threads: number;
  /** Batches waiting for a thread at most; one more is refused. */
  readonly maxQueued: number;
  /** Makes one thread (tests give a failing one); default: encrypt-worker.js. */
  readonly spawn?: () => Worker;
}

interface Task {
  readonly request: EncryptRequest;
  resolve(results: readonly (Buffer | Error)[]): void;
  reject(error: Error): void;
}

interface Thread {
  readonly worker: Worker;
  ready: boolean;
  task: Task | undefined;
  /** The worker's uncaught error, reported before its exit. */
  failure: Error | undefined;
}

const WORKER_URL = new URL('./encrypt-worker.js', import.meta.url);

export class EncryptionPool implements PayloadEncryptor {
  readonly #options: EncryptionPoolOptions;
  readonly #threads = new Set<Thread>();
  readonly #queue: Task[] = [];
  #nextId = 0;
  #closed = false;
  #broken: Error | undefined;

  constructor(options: EncryptionPoolOptions) {
    if (!Number.isInteger(options.threads) || options.threads < 1) throw new RangeError(`an encryption pool needs at least one thread, got ${options.threads}`);
    this.#options = options;
    for (let index = 0; index < options.threads; index += 1) this.#start();
  }

  /** Batches waiting for a thread. */
  get queued(): number {
    return this.#queue.length;
  }

  encrypt(keys: readonly SubscriptionKeys[], payload: string): Promise<readonly (Buffer | Error)[]> {
    if (this.#closed) return Promise.reject(new EncryptionPoolError('the encryption pool is closed'));
    if (this.#broken !== undefined) return Promise.reject(this.#broken);
    if (this.#queue.length >= this.#options.maxQueued) {
      return Promise.reject(new EncryptionPoolError(`the encryption queue is full (${this.#options.maxQueued} batches waiting)`));
    }
    return new Promise((resolve, reject) => {
      this.#nextId += 1;
      this.#queue.push({ request: { id: this.#nextId, payload, keys }, resolve, reject });
      this.#dispatch();
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#failAll(new EncryptionPoolError('the encryption pool was closed before the batch was encrypted'));
    await Promise.all([...this.#threads].map((thread) => thread.worker.terminate()));
    this.#threads.clear();
  }

  #start(): void {
    const worker = this.#options.spawn?.() ?? new Worker(WORKER_URL);
    const thread: Thread = { worker, ready: false, task: undefined, failure: undefined };
    this.#threads.add(thread);
    worker.on('message', (reply: EncryptReply) => {
      if (reply.type === 'ready') {
        thread.ready = true;
      } else {
        const task = thread.task;
        thread.task = undefined;
        if (task !== undefined && task.request.id === reply.id) task.resolve(unpack(reply));
      }
      this.#dispatch();
    });
    worker.on('error', (error) => {
      thread.failure = error;
    });
    worker.on('exit', (code) => {
      this.#threads.delete(thread);
      if (this.#closed) return;
      const reason = thread.failure?.message ?? `exit code ${code}`;
      thread.task?.reject(new EncryptionPoolError(`an encryption thread died while encrypting a batch: ${reason}`));
      if (!thread.ready) {
        // It never started: another would fail the same way.
        this.#broken = new EncryptionPoolError(`an encryption thread could not start: ${reason}`);
        this.#failAll(this.#broken);
        return;
      }
      this.#start();
    });
  }

  #dispatch(): void {
    for (const thread of this.#threads) {
      if (!thread.ready || thread.task !== undefined) continue;
      const task = this.#queue.shift();
      if (task === undefined) return;
      thread.task = task;
      thread.worker.postMessage(task.request);
    }
  }

  #failAll(error: Error): void {
    for (const task of this.#queue.splice(0)) task.reject(error);
    for (const thread of this.#threads) {
      thread.task?.reject(error);
      thread.task = undefined;
    }
  }
}

function unpack(reply: Extract<EncryptReply, { type: 'done' }>): (Buffer | Error)[] {
  let offset = 0;
  return reply.results.map((result) => {
    if (typeof result === 'string') return new Error(result);
    const body = Buffer.from(reply.data, offset, result);
    offset += result;
    return body;
  });
}

/** The pool's contract on the calling thread (`push.encryptionThreads: 0`). */
export class InlineEncryptor implements PayloadEncryptor {
  #closed = false;

  encrypt(keys: readonly SubscriptionKeys[], payload: string): Promise<readonly (Buffer | Error)[]> {
    if (this.#closed) return Promise.reject(new EncryptionPoolError('the encryptor is closed'));
    const plaintext = plaintextOf(payload);
    return Promise.resolve(
      keys.map((subscription) => {
        try {
          return encryptFor(subscription, plaintext);
        } catch (error) {
          return error instanceof Error ? error : new Error(String(error));
        }
      }),
    );
  }

  close(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }
}
