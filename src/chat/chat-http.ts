/**
 * What the chat routes share: answering a ChatError (its status and code), an unavailable
 * database (503 with Retry-After) or invalid input (400 with the first problem), parsing JSON
 * bodies and page queries.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { Logger } from '../shared/logger.js';
import { sendError, sendJson } from '../http/respond.js';
import { ApiErrors } from '../protocol/errors.js';
import { StorageUnavailableError } from '../storage/storage-errors.js';
import { ChatError } from './chat-error.js';
import type { PageQuery } from './message-repository.js';

/** Seconds a client is told to wait when the database is unavailable. */
const STORAGE_RETRY_AFTER_SECONDS = 1;
export const MAX_PAGE = 100;
const DEFAULT_PAGE = 50;

/** Runs `work` and answers its value as JSON (status 200 unless it says otherwise), or the error it raised. */
export async function answer(
  request: IncomingMessage,
  response: ServerResponse,
  logger: Logger,
  work: () => Promise<unknown>,
  status = 200,
): Promise<void> {
  let body: unknown;
  try {
    body = await work();
  } catch (error) {
    if (response.headersSent) throw error;
    if (error instanceof ChatError) {
      const headers = error.retryAfter === undefined ? undefined : { 'retry-after': String(error.retryAfter) };
      return sendError(request, response, error.error, error.message, headers);
    }
    if (error instanceof z.ZodError) return sendError(request, response, ApiErrors.chatInvalidInput, describeIssue(error));
    if (error instanceof StorageUnavailableError) {
      logger.warn({ err: error }, 'chat request refused: the database is unavailable');
      return sendError(request, response, ApiErrors.chatStorageUnavailable, undefined, { 'retry-after': String(STORAGE_RETRY_AFTER_SECONDS) });
    }
    throw error;
  }
  sendJson(request, response, status, body ?? {});
}

function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (issue === undefined) return ApiErrors.chatInvalidInput.message;
  const path = issue.path.length === 0 ? 'body' : issue.path.join('.');
  return `Invalid ${path}: ${issue.message}`;
}

/** The body as JSON; ChatError 400 when it is not. An empty body is `{}`. */
export function jsonBody(body: Buffer): unknown {
  if (body.length === 0) return {};
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new ChatError(ApiErrors.invalidJson);
  }
}

const pageQuery = z.strictObject({
  after: z.coerce.number().int().min(0).optional(),
  before: z.coerce.number().int().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(DEFAULT_PAGE),
});

/** `after`, `before` (not both) and `limit` (1-100, default 50) from a query string. */
export function parsePage(query: URLSearchParams): PageQuery {
  const raw = Object.fromEntries([...query].filter(([name]) => !name.startsWith('auth_') && name !== 'body_md5'));
  const page = pageQuery.parse(raw);
  if (page.after !== undefined && page.before !== undefined) throw new ChatError(ApiErrors.chatInvalidInput, 'Give after or before, not both');
  return page;
}

/** A message id from a path; ChatError 404 when it is not one. */
export function messageIdOf(text: string | undefined): number {
  const id = Number(text);
  if (!Number.isSafeInteger(id) || id < 1) throw new ChatError(ApiErrors.chatMessageNotFound, `No message ${String(text)}`);
  return id;
}
