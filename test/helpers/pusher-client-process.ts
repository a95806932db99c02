/** Runs pusher-client-child.ts with NODE_EXTRA_CA_CERTS and awaits what it reports. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { ChildRequest } from './pusher-client-child.js';
import { Waiters } from './wait.js';

export interface ChildMessage {
  readonly kind: 'connected' | 'subscribed' | 'event' | 'state';
  readonly transport?: string;
  readonly socketId?: string;
  readonly data?: unknown;
  readonly current?: string;
}

export class PusherClientProcess {
  readonly #child: ChildProcess;
  readonly #messages: ChildMessage[] = [];
  readonly #waiters = new Waiters();
  readonly #exited: Promise<void>;

  /** Starts a client that trusts the CA certificates in the PEM file `caPath`. */
  constructor(caPath: string, request: ChildRequest) {
    const script = fileURLToPath(new URL('./pusher-client-child.js', import.meta.url));
    this.#child = spawn(process.execPath, [script, JSON.stringify(request)], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: caPath },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    this.#exited = new Promise((resolve) => this.#child.once('exit', () => resolve()));
    const reader = createInterface({ input: this.#child.stdout as NodeJS.ReadableStream });
    reader.on('line', (line) => {
      this.#messages.push(JSON.parse(line) as ChildMessage);
      this.#waiters.notify();
    });
  }

  /** Every message so far. */
  get messages(): readonly ChildMessage[] {
    return this.#messages;
  }

  /** The first message of this kind (at once if it came already). */
  async next(kind: ChildMessage['kind']): Promise<ChildMessage> {
    const find = (): ChildMessage | undefined => this.#messages.find((message) => message.kind === kind);
    const exited = this.#exited.then(() => Promise.reject(new Error(`pusher-js process exited before '${kind}': ${JSON.stringify(this.#messages)}`)));
    await Promise.race([this.#waiters.until(() => find() !== undefined), exited]);
    const found = find();
    if (found === undefined) throw new Error(`no '${kind}' message`);
    return found;
  }

  /** Ends the client (it disconnects and exits when its stdin closes). */
  async close(): Promise<void> {
    this.#child.stdin?.end();
    await this.#exited;
  }
}
