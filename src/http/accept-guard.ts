/**
 * Keeps the listener sane when the process runs out of file descriptors (EMFILE, ENFILE).
 *
 * What node 20 does: libuv answers an accept that fails for lack of descriptors with its "EMFILE
 * trick" (it frees a reserved descriptor, accepts and closes every pending connection, takes the
 * reserve back), silently: clients are dropped, nothing is reported. Only when that trick fails
 * too does the server emit 'error' (syscall accept), once per accept attempt in a tight loop, and
 * with no 'error' listener that kills the process.
 *
 * So: the guard listens for those errors and answers them by pausing the listener (closing its
 * handle only: established connections stay, new ones are refused by the kernel) for a short,
 * growing interval before listening again; and it checks, when asked (`/ready`) and once a
 * second, whether a descriptor can be had at all, which catches the silent case. Failures are
 * logged once per burst with a count (FailureLog), and once more on recovery.
 */
import { closeSync, openSync } from 'node:fs';
import type { Server } from 'node:http';
import { Server as NetServer, type AddressInfo } from 'node:net';
import { FailureLog } from '../shared/failure-log.js';
import type { Logger } from '../shared/logger.js';

const FIRST_PAUSE_MS = 100;
const LONGEST_PAUSE_MS = 5_000;
const CHECK_INTERVAL_MS = 1_000;

function outOfDescriptors(error: unknown): error is Error {
  return error instanceof Error && 'code' in error && (error.code === 'EMFILE' || error.code === 'ENFILE');
}

/** One open and close of /dev/null: fails with EMFILE/ENFILE exactly when accept would. */
function descriptorProbe(): Error | undefined {
  try {
    closeSync(openSync('/dev/null', 'r'));
    return undefined;
  } catch (error) {
    return outOfDescriptors(error) ? error : undefined;
  }
}

export class AcceptGuard {
  readonly #logger: Logger;
  readonly #failures: FailureLog;
  #server: Server | undefined;
  /** Where the server listens (to listen there again after a pause). */
  #address: AddressInfo | undefined;
  #paused = false;
  /** Listening again after a pause: an error now means the listener is still down. */
  #relistening = false;
  #pauseMs = FIRST_PAUSE_MS;
  #resumeTimer: NodeJS.Timeout | undefined;
  #checkTimer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(logger: Logger) {
    this.#logger = logger;
    this.#failures = new FailureLog(logger, 'accepting connections (out of file descriptors)');
  }

  /** Starts guarding a server that is listening. */
  start(server: Server): void {
    this.#server = server;
    const address = server.address();
    if (address !== null && typeof address !== 'string') this.#address = address;
    server.on('error', (error) => this.#onError(error));
    server.on('listening', () => (this.#relistening = false));
    this.#checkTimer = setInterval(() => this.canAccept(), CHECK_INTERVAL_MS).unref();
  }

  /** Shutdown: no more checks, and a paused listener stays closed. */
  stop(): void {
    this.#stopped = true;
    clearInterval(this.#checkTimer);
    clearTimeout(this.#resumeTimer);
  }

  /** False while the listener is paused or no file descriptor can be had. */
  canAccept(): boolean {
    if (this.#paused || this.#relistening) return false;
    const failure = descriptorProbe();
    if (failure !== undefined) {
      this.#failures.failed(failure);
      return false;
    }
    this.#failures.succeeded();
    this.#pauseMs = FIRST_PAUSE_MS;
    return true;
  }

  #onError(error: Error): void {
    if (outOfDescriptors(error)) {
      this.#failures.failed(error);
      this.#pause();
    } else if (this.#relistening) {
      // The port could not be taken back: keep trying (it is this process's port).
      this.#logger.error({ err: error }, 'listening again after a pause failed; retrying');
      this.#pause();
    } else {
      this.#logger.error({ err: error }, 'HTTP listener error');
    }
  }

  /**
   * Closes the listening handle only (net.Server's close, not http.Server's, which would also
   * close idle keep-alive connections: a load balancer's /ready connection must stay), and
   * listens again after the current pause, which doubles each time up to LONGEST_PAUSE_MS.
   */
  #pause(): void {
    const server = this.#server;
    const address = this.#address;
    if (server === undefined || address === undefined || this.#paused || this.#stopped) return;
    this.#paused = true;
    this.#relistening = false;
    if (server.listening) NetServer.prototype.close.call(server);
    const pauseMs = this.#pauseMs;
    this.#pauseMs = Math.min(LONGEST_PAUSE_MS, pauseMs * 2);
    this.#resumeTimer = setTimeout(() => {
      this.#paused = false;
      if (this.#stopped) return;
      this.#relistening = true;
      server.listen(address.port, address.address);
    }, pauseMs);
  }
}
