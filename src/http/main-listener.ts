/**
 * The main listener (`host`/`port`): HTTP, or HTTPS with its certificate reloader when `tls.*`
 * is configured. The TLS files are read in a step of their own, so the composition root can
 * read them before it connects anything.
 */
import type { Server } from 'node:http';
import type { Config } from '../config/schema.js';
import type { Logger } from '../shared/logger.js';
import { CertificateReloader } from './certificate-reloader.js';
import { createHttpServer, type HttpServerOptions } from './http-server.js';
import { loadTls, tlsFilesOf, type LoadedTls, type TlsFiles } from './tls-files.js';

export interface ListenerTls {
  readonly files: TlsFiles;
  readonly loaded: LoadedTls;
}

/** The checked TLS files of the config (rejects with a TlsFileError), or undefined without TLS. */
export async function readListenerTls(config: Config, now: number): Promise<ListenerTls | undefined> {
  const files = tlsFilesOf(config);
  return files === undefined ? undefined : { files, loaded: await loadTls(files, now) };
}

export function createMainListener(
  options: HttpServerOptions,
  tls: ListenerTls | undefined,
  logger: Logger,
): { server: Server; certificates: CertificateReloader | undefined } {
  if (tls === undefined) return { server: createHttpServer(options), certificates: undefined };
  const server = createHttpServer(options, tls.loaded.options);
  return { server, certificates: new CertificateReloader(server, tls.files, tls.loaded, logger) };
}
