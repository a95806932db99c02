/**
 * The IPC contract of a server process the benchmark starts: it says `ready` with its port, runs a
 * full garbage collection on `gc` (before memory is read; the process runs with --expose-gc) and
 * answers with the V8 heap in use after it, and stops on `stop` or when the benchmark goes away.
 * Only processes the benchmark forks speak it: the server itself has no such hook.
 */
export interface HeapReading {
  /** `process.memoryUsage().heapUsed` right after the collection. */
  readonly heapUsedBytes: number;
  /** Memory of C++ objects bound to JavaScript ones (Buffers included). */
  readonly externalBytes: number;
}

export type ServerChildMessage = { readonly type: 'ready'; readonly port: number } | ({ readonly type: 'gc-done' } & HeapReading);
export type ServerChildRequest = { readonly type: 'gc' } | { readonly type: 'stop' };

export function serveChildIpc(port: number, stop: () => Promise<void>): void {
  const send = (message: ServerChildMessage): void => {
    process.send?.(message);
  };
  const exit = (): void => {
    stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('message', (request: ServerChildRequest) => {
    if (request.type === 'stop') return exit();
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    gc?.();
    const { heapUsed, external } = process.memoryUsage();
    send({ type: 'gc-done', heapUsedBytes: heapUsed, externalBytes: external });
  });
  process.on('disconnect', exit);
  send({ type: 'ready', port });
}
