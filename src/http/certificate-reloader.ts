/**
 * Swaps the main listener's certificate in place (SIGHUP): the files are read and checked again,
 * and only a set that passes replaces the served one. `setSecureContext` affects handshakes that
 * start afterwards; established connections keep the context they were made with, so none is
 * dropped. A bad set is logged (naming the key and the reason) and the current one stays.
 */
import type { Server as HttpsServer } from 'node:https';
import type { Logger } from '../shared/logger.js';
import { loadTls, TlsFileError, type LoadedTls, type TlsFiles } from './tls-files.js';

export type ReloadOutcome = 'reloaded' | 'kept';

export class CertificateReloader {
  readonly #server: HttpsServer;
  readonly #files: TlsFiles;
  readonly #logger: Logger;
  #current: LoadedTls;
  /** Reloads run one after another, so the last signal's files are the ones served. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(server: HttpsServer, files: TlsFiles, loaded: LoadedTls, logger: Logger) {
    this.#server = server;
    this.#files = files;
    this.#current = loaded;
    this.#logger = logger;
  }

  /** Logs the certificate in use (and a warning when it is outside its validity period). */
  logCurrent(message: string, fields: Record<string, unknown> = {}): void {
    const { certificate, validityProblem } = this.#current;
    this.#logger.info({ certificate, ...fields }, message);
    if (validityProblem !== undefined) this.#logger.warn({ certificate }, `${validityProblem}: clients will refuse it`);
  }

  /** Re-reads the files; never rejects (a failure is logged and the current certificate kept). */
  reload(): Promise<ReloadOutcome> {
    const run = this.#queue.then(() => this.#reload());
    this.#queue = run;
    return run;
  }

  async #reload(): Promise<ReloadOutcome> {
    let loaded: LoadedTls;
    try {
      loaded = await loadTls(this.#files);
      this.#server.setSecureContext(loaded.options);
    } catch (error) {
      const key = error instanceof TlsFileError ? error.key : undefined;
      const reason = error instanceof Error ? error.message : String(error);
      this.#logger.error({ key, reason, certificate: this.#current.certificate }, `TLS certificate reload failed, keeping the current certificate: ${reason}`);
      return 'kept';
    }
    const previous = this.#current.certificate;
    this.#current = loaded;
    this.logCurrent('TLS certificate reloaded', { previous: { serialNumber: previous.serialNumber, fingerprint256: previous.fingerprint256 } });
    return 'reloaded';
  }
}
