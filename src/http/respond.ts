/**
 * JSON responses, errors as data, and CORS. Every answer carries `Access-Control-Allow-Origin: *`;
 * the other CORS headers only mean something on a preflight, so only preflights carry them.
 * This is on the path of every HTTP API call: headers are built without per-request objects
 * beyond what Node needs.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiError } from '../protocol/errors.js';

/** The CORS header every response carries (requests are not credentialed: no cookies are used). */
export function corsHeaders(_request: IncomingMessage): Record<string, string> {
  return { 'access-control-allow-origin': '*' };
}

function preflightHeaders(request: IncomingMessage): Record<string, string> {
  const requested = request.headers['access-control-request-headers'];
  return {
    'access-control-allow-origin': '*',
    // PUT and DELETE: the push notification device API (the Beams web SDK calls it from pages).
    'access-control-allow-methods': 'GET, POST, PUT, DELETE, OPTIONS',
    'access-control-allow-headers': typeof requested === 'string' && requested !== '' ? requested : 'Content-Type',
    'access-control-max-age': '86400',
  };
}

const EMPTY_OBJECT_HEADERS: Readonly<Record<string, string | number>> = Object.freeze({
  'access-control-allow-origin': '*',
  'content-type': 'application/json',
  'content-length': 2,
});

export function sendJson(
  _request: IncomingMessage,
  response: ServerResponse,
  status: number,
  body: unknown,
  extraHeaders?: Record<string, string>,
): void {
  const text = JSON.stringify(body);
  if (text === '{}' && extraHeaders === undefined) {
    // The answer to nearly every publish: one shared header object (Node only reads it).
    response.writeHead(status, EMPTY_OBJECT_HEADERS);
    response.end(text);
    return;
  }
  const headers = {
    'access-control-allow-origin': '*',
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  };
  response.writeHead(status, extraHeaders === undefined ? headers : { ...headers, ...extraHeaders });
  response.end(text);
}

/** `{"error": message, "code": stable id}` with the error's status. */
export function sendError(
  request: IncomingMessage,
  response: ServerResponse,
  error: ApiError,
  message: string = error.message,
  extraHeaders?: Record<string, string>,
): void {
  sendJson(request, response, error.status, { error: message, code: error.id }, extraHeaders);
}

export function sendPreflight(request: IncomingMessage, response: ServerResponse): void {
  response.writeHead(204, preflightHeaders(request));
  response.end();
}
