/**
 * Reads a request body up to a byte limit; the limit is enforced while reading, not after. The
 * time is bounded by the HTTP server's request deadline (`http.requestTimeout`), which cuts the
 * connection: the read then fails with BodyAbortedError.
 */
import type { IncomingMessage } from 'node:http';

export class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError';
}

export class BodyAbortedError extends Error {
  override readonly name = 'BodyAbortedError';
}

export function readBody(request: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(request.headers['content-length'] ?? '0');
  if (Number.isFinite(declared) && declared > maxBytes) {
    request.resume();
    return Promise.reject(new BodyTooLargeError(`body of ${declared} bytes is over the limit of ${maxBytes}`));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    request.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > maxBytes) {
        failed = true;
        chunks.length = 0;
        reject(new BodyTooLargeError(`body is over the limit of ${maxBytes} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => {
      if (!failed) resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    });
    request.on('error', (error) => {
      if (!failed) {
        failed = true;
        reject(error);
      }
    });
    // A client cut mid-body (the server's request deadline, or it went away) settles the read too.
    request.on('close', () => {
      if (!failed && !request.complete) {
        failed = true;
        chunks.length = 0;
        reject(new BodyAbortedError('the request ended before its whole body arrived'));
      }
    });
  });
}
