/**
 * HTTP API request authentication (protocol §6.2). Checked in this order, before any other work:
 * auth parameters present, `auth_key` is the app's key, `auth_timestamp` within the window,
 * `body_md5` matches a non-empty body, then the signature over `METHOD\nPATH\nSORTED_QUERY`.
 */
import { ApiErrors, type ApiError } from './errors.js';
import { hmacSha256Hex, hmacSha256Matches, md5Hex, verifyingSecrets, type SigningCredentials } from './signatures.js';

export interface SignedRequest {
  readonly method: string;
  /** The request path exactly as signed, without host or query. */
  readonly path: string;
  /** The raw query string, without the leading `?`. */
  readonly rawQuery: string;
  readonly body: Buffer;
}

export type RestAuthResult = { readonly ok: true } | { readonly ok: false; readonly error: ApiError; readonly detail: string };

export const DEFAULT_TIMESTAMP_WINDOW_SECONDS = 600;

interface QueryPair {
  readonly key: string;
  readonly raw: string;
  readonly decoded: string;
}

/** Query decoding (`+` is a space); the common case, nothing escaped, costs one scan. */
function decode(value: string): string {
  if (!/[%+]/.test(value)) return value;
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return value;
  }
}

function parsePairs(rawQuery: string): QueryPair[] {
  const pairs: QueryPair[] = [];
  let start = 0;
  while (start < rawQuery.length) {
    let end = rawQuery.indexOf('&', start);
    if (end === -1) end = rawQuery.length;
    if (end > start) {
      const eq = rawQuery.indexOf('=', start);
      const hasValue = eq !== -1 && eq < end;
      const raw = hasValue ? rawQuery.slice(eq + 1, end) : '';
      const key = decode(rawQuery.slice(start, hasValue ? eq : end));
      pairs.push({ key: /[A-Z]/.test(key) ? key.toLowerCase() : key, raw, decoded: decode(raw) });
    }
    start = end + 1;
  }
  return pairs;
}

/**
 * The canonical query: every parameter but `auth_signature`, keys lower-cased and sorted, repeated
 * keys joined with `,` (as the SDKs sign arrays). `form` picks decoded values (the documented
 * form) or the raw text (what pusher-http-node actually sends unescaped).
 */
function canonicalQuery(pairs: readonly QueryPair[], form: 'decoded' | 'raw'): string {
  const sorted = pairs.filter((pair) => pair.key !== 'auth_signature');
  // Stable sort: repeated keys keep their order, as the SDKs sign arrays.
  sorted.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  let query = '';
  let previous: string | undefined;
  for (const pair of sorted) {
    const value = form === 'decoded' ? pair.decoded : pair.raw;
    if (pair.key === previous) query += `,${value}`;
    else query += `${previous === undefined ? '' : '&'}${pair.key}=${value}`;
    previous = pair.key;
  }
  return query;
}

function fail(error: ApiError, detail: string = error.message): RestAuthResult {
  return { ok: false, error, detail };
}

export function verifyRestRequest(
  app: SigningCredentials,
  request: SignedRequest,
  nowMs: number,
  windowSeconds: number = DEFAULT_TIMESTAMP_WINDOW_SECONDS,
): RestAuthResult {
  const pairs = parsePairs(request.rawQuery);
  const param = (key: string): string | undefined => {
    for (const pair of pairs) if (pair.key === key) return pair.decoded;
    return undefined;
  };
  const authKey = param('auth_key');
  const timestamp = param('auth_timestamp');
  const signature = param('auth_signature');
  if (authKey === undefined || timestamp === undefined || signature === undefined || param('auth_version') === undefined) {
    return fail(ApiErrors.missingAuthParams);
  }
  // auth_key and body_md5 are not secrets (the key is public, the MD5 anyone can compute): plain
  // comparisons; only the signature is compared in constant time.
  if (authKey !== app.key) return fail(ApiErrors.invalidAuthKey);

  const seconds = /^\d{1,12}$/.test(timestamp) ? Number(timestamp) : Number.NaN;
  const nowSeconds = Math.floor(nowMs / 1000);
  if (!Number.isFinite(seconds) || Math.abs(nowSeconds - seconds) > windowSeconds) {
    return fail(
      ApiErrors.timestampExpired,
      `Timestamp expired: given timestamp ${timestamp} is not within ${windowSeconds} s of server time ${nowSeconds}`,
    );
  }

  if (request.body.length > 0) {
    const bodyMd5 = param('body_md5');
    if (bodyMd5?.toLowerCase() !== md5Hex(request.body)) {
      return fail(ApiErrors.bodyMd5Mismatch);
    }
  }

  const prefix = `${request.method.toUpperCase()}\n${request.path}\n`;
  const decoded = canonicalQuery(pairs, 'decoded');
  // Only when something was escaped can the raw form differ (and deserve a second HMAC).
  const raw = pairs.some((pair) => pair.raw !== pair.decoded) ? canonicalQuery(pairs, 'raw') : decoded;
  for (const secret of verifyingSecrets(app, nowMs)) {
    if (hmacSha256Matches(secret, prefix + decoded, signature)) return { ok: true };
    if (raw !== decoded && hmacSha256Matches(secret, prefix + raw, signature)) return { ok: true };
  }
  return fail(ApiErrors.invalidSignature);
}

/** Builds a signed query string the way the `pusher` SDK does; used by tests and the benchmark. */
export function signRestQuery(
  app: SigningCredentials,
  method: string,
  path: string,
  params: Readonly<Record<string, string>>,
  body: string,
  nowMs: number,
): string {
  const all: Record<string, string> = {
    auth_key: app.key,
    auth_timestamp: String(Math.floor(nowMs / 1000)),
    auth_version: '1.0',
    ...params,
  };
  if (body !== '') all['body_md5'] = md5Hex(body);
  const query = Object.keys(all)
    .sort()
    .map((key) => `${key}=${all[key] ?? ''}`)
    .join('&');
  const signature = hmacSha256Hex(app.secret, `${method.toUpperCase()}\n${path}\n${query}`);
  return `${query}&auth_signature=${signature}`;
}
