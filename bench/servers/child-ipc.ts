/**
 * The IPC contract of a server process the benchmark starts: it says `ready` with its port, runs a
 * full garbage collection on `gc` (before memory is read; the process runs with --expose-gc) and
 * stops on `stop` or when the benchmark goes away.
 */
export type ServerChildMessage = { readonly type: 'ready'; readonly port: number } | { readonly type: 'gc-done' };
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
    send({ type: 'gc-done' });
  });
  process.on('disconnect', exit);
  send({ type: 'ready', port });
}
