/** The orchestrator's side of the load generator: forks the worker processes and talks to them. */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { processCpuSeconds } from '../stats/proc.js';
import type { WorkerAnswer, WorkerMessage, WorkerReplies, WorkerRequest } from './protocol.js';

const WORKER = fileURLToPath(new URL('./worker.js', import.meta.url));

type Pending = { resolve: (value: unknown) => void; reject: (error: Error) => void };

export class GeneratorProcess {
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, Pending>();
  readonly #exited: Promise<void>;
  #nextId = 1;

  constructor(readonly role: string) {
    this.#child = fork(WORKER, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' });
    this.#child.on('message', (message: WorkerAnswer) => {
      const pending = this.#pending.get(message.id);
      if (pending === undefined) return;
      this.#pending.delete(message.id);
      if (message.ok) pending.resolve(message.result);
      else pending.reject(new Error(`generator ${role}: ${message.error}`));
    });
    this.#exited = new Promise((resolve) => {
      this.#child.once('exit', (code, signal) => {
        for (const pending of this.#pending.values()) pending.reject(new Error(`generator ${role} exited (${code ?? signal ?? ''})`));
        this.#pending.clear();
        resolve();
      });
    });
  }

  get pid(): number {
    return this.#child.pid ?? -1;
  }

  cpuSeconds(): number {
    return processCpuSeconds(this.pid) ?? 0;
  }

  call<T extends WorkerRequest>(request: T): Promise<WorkerReplies[T['type']]> {
    const id = this.#nextId;
    this.#nextId += 1;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      const message: WorkerMessage = { id, request };
      this.#child.send(message);
    });
  }

  async stop(): Promise<void> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.disconnect();
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 5_000);
    await this.#exited;
    clearTimeout(timer);
  }
}

/** Subscriber processes (they hold the WebSocket connections) and publisher processes. */
export class GeneratorPool {
  readonly subscribers: readonly GeneratorProcess[];
  readonly publishers: readonly GeneratorProcess[];

  constructor(subscriberCount: number, publisherCount: number) {
    this.subscribers = Array.from({ length: subscriberCount }, (_, index) => new GeneratorProcess(`subscriber-${index + 1}`));
    this.publishers = Array.from({ length: publisherCount }, (_, index) => new GeneratorProcess(`publisher-${index + 1}`));
  }

  get all(): readonly GeneratorProcess[] {
    return [...this.subscribers, ...this.publishers];
  }

  cpuSeconds(): number {
    return this.all.reduce((sum, worker) => sum + worker.cpuSeconds(), 0);
  }

  async stop(): Promise<void> {
    await Promise.all(this.all.map((worker) => worker.stop()));
  }
}
