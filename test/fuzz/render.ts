/**
 * Turns generated inputs (inputs.ts) into bytes: a step into WebSocket frames and TCP cut points
 * (signed with the connection's socket id where the step asks for the right auth), an HTTP input
 * into a request (signed like the `pusher` SDK does, then possibly spoiled).
 */
import { signRestQuery } from '../../src/protocol/rest-auth.js';
import { channelStringToSign, signinStringToSign, signToken } from '../../src/protocol/signatures.js';
import type { Auth, HttpInput, JsonText, Mutation, Split, Step } from './inputs.js';
import { encodeWireFrame, OPCODE, type WireFrame } from './wire-client.js';

export interface Credentials {
  readonly id: string;
  readonly key: string;
  readonly secret: string;
}

/** The bytes of one step and where to cut them into separate TCP writes. */
export interface Rendered {
  readonly bytes: Buffer;
  readonly cuts: readonly number[];
}

const OVERSIZE_BYTES = 110_000;

export function jsonText(text: JsonText): string {
  if (typeof text === 'string') return text;
  if ('deep' in text) return `${text.open.repeat(text.deep)}1${(text.open === '[' ? ']' : '}').repeat(text.deep)}`;
  return JSON.stringify(text.char.repeat(text.big));
}

function signature(app: Credentials, auth: Auth, stringToSign: string): string | undefined {
  if (auth === 'none') return undefined;
  if (typeof auth === 'object') return auth.garbage;
  if (auth === 'wrong-key') return signToken({ key: 'not-the-key', secret: app.secret }, stringToSign);
  const token = signToken(app, stringToSign);
  return auth === 'right' ? token : `${token.slice(0, -1)}${token.endsWith('0') ? '1' : '0'}`;
}

function mutate(text: string, mutation: Mutation): string {
  if (mutation.kind === 'none') return text;
  const at = Math.floor(mutation.at * text.length);
  if (mutation.kind === 'cut') return text.slice(0, at);
  if (mutation.kind === 'insert') return `${text.slice(0, at)}${mutation.text}${text.slice(at)}`;
  return `${text.slice(0, at)}${text.slice(at + mutation.length)}`;
}

/** The text of a protocol step, before any mutation. */
function stepText(step: Extract<Step, { mutation: Mutation }>, app: Credentials, socketId: string): string {
  switch (step.kind) {
    case 'subscribe': {
      const channelData = step.channelData === undefined ? undefined : jsonText(step.channelData);
      const auth = signature(app, step.auth, channelStringToSign(socketId, step.channel, channelData));
      return JSON.stringify({ event: 'pusher:subscribe', data: { channel: step.channel, auth, channel_data: channelData } });
    }
    case 'unsubscribe':
      return JSON.stringify({ event: 'pusher:unsubscribe', data: { channel: step.channel } });
    case 'client-event': {
      const head = `{"event":${JSON.stringify(step.event)},"channel":${JSON.stringify(step.channel)}`;
      return step.data === undefined ? `${head}}` : `${head},"data":${jsonText(step.data)}}`;
    }
    case 'signin': {
      const userData = jsonText(step.userData);
      const auth = signature(app, step.auth, signinStringToSign(socketId, userData));
      return JSON.stringify({ event: 'pusher:signin', data: { auth, user_data: userData } });
    }
  }
}

function textFrames(text: string, split: Split): Rendered {
  const payload = Buffer.from(text, 'utf8');
  if (split.kind === 'whole') return { bytes: encodeWireFrame({ opcode: OPCODE.text, fin: true, payload }), cuts: [] };
  if (split.kind === 'tcp') {
    const bytes = encodeWireFrame({ opcode: OPCODE.text, fin: true, payload });
    return { bytes, cuts: split.cuts.map((cut) => Math.floor((cut / 200) * bytes.length)) };
  }
  // Continuation frames, optionally with a ping control frame between fragments (allowed by RFC 6455).
  const points = [...new Set(split.cuts.map((cut) => Math.floor((cut / 200) * payload.length)))].filter((at) => at > 0 && at < payload.length).sort((a, b) => a - b);
  const bounds = [0, ...points, payload.length];
  const frames: Buffer[] = [];
  for (let index = 0; index + 1 < bounds.length; index += 1) {
    const last = index + 2 === bounds.length;
    frames.push(encodeWireFrame({ opcode: index === 0 ? OPCODE.text : OPCODE.continuation, fin: last, payload: payload.subarray(bounds[index], bounds[index + 1]) }));
    if (!last && split.pingBetween) frames.push(encodeWireFrame({ opcode: OPCODE.ping, fin: true, payload: Buffer.from('p') }));
  }
  return { bytes: Buffer.concat(frames), cuts: [] };
}

function violationFrame(violation: Extract<Step, { kind: 'violation' }>['violation']): WireFrame {
  const text = Buffer.from('{"event":"pusher:ping","data":{}}');
  switch (violation) {
    case 'unmasked':
      return { opcode: OPCODE.text, fin: true, payload: text, masked: false };
    case 'rsv':
      return { opcode: OPCODE.text, fin: true, payload: text, rsv: 4 };
    case 'bad-opcode':
      return { opcode: 0x3, fin: true, payload: text };
    case 'bad-utf8':
      return { opcode: OPCODE.text, fin: true, payload: Buffer.from([0x7b, 0xc3, 0x28, 0xff, 0x7d]) };
    case 'long-ping':
      return { opcode: OPCODE.ping, fin: true, payload: Buffer.alloc(200, 0x61) };
    case 'orphan-continuation':
      return { opcode: OPCODE.continuation, fin: true, payload: text };
    case 'oversize':
      return { opcode: OPCODE.text, fin: true, payload: Buffer.alloc(OVERSIZE_BYTES, 0x61) };
    case 'close':
      return { opcode: OPCODE.close, fin: true, payload: Buffer.from([0x03, 0xe8]) };
  }
}

export function renderStep(step: Step, app: Credentials, socketId: string): Rendered {
  switch (step.kind) {
    case 'ping':
      return textFrames('{"event":"pusher:ping","data":{}}', step.split);
    case 'raw':
      return textFrames(step.text, step.split);
    case 'binary':
      return { bytes: encodeWireFrame({ opcode: OPCODE.binary, fin: true, payload: Buffer.from(step.bytes) }), cuts: [] };
    case 'violation':
      return { bytes: encodeWireFrame(violationFrame(step.violation)), cuts: [] };
    default:
      return textFrames(mutate(stepText(step, app, socketId), step.mutation), step.split);
  }
}

/** Whether a step makes the server close the connection (the sequence ends there). */
export function closesConnection(step: Step): boolean {
  return step.kind === 'violation';
}

export interface HttpRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer | undefined;
}

export function renderHttp(input: HttpInput, app: Credentials, now: number): HttpRequest {
  const path = input.path.replace('{app}', app.id);
  const body = input.body === undefined ? undefined : input.body instanceof Uint8Array ? Buffer.from(input.body) : Buffer.from(jsonText(input.body), 'utf8');
  const params = Object.fromEntries(input.params.filter(([key]) => !key.startsWith('auth_') && key !== 'body_md5'));
  const bodyText = body?.toString('utf8') ?? '';
  let query: string;
  if (input.signing === 'none') query = new URLSearchParams(params).toString();
  else {
    const signedAt = input.signing === 'old-timestamp' ? now - 3_600_000 : now;
    query = signRestQuery(app, input.method, path, params, bodyText, signedAt);
    if (input.signing === 'bad-signature') query = `${query.slice(0, -1)}${query.endsWith('0') ? '1' : '0'}`;
  }
  const sent = input.signing === 'body-changed' && body !== undefined ? Buffer.concat([body, Buffer.from(' ')]) : body;
  // A body is always framed, as every real client frames it: node's client sends a GET body with
  // neither Content-Length nor chunking, so its bytes would reach the server as the next request
  // (answered 400 and closed), and node's client then leaks the parser of that extra response.
  const headers = { ...Object.fromEntries(input.headers), ...(sent === undefined ? {} : { 'content-length': String(sent.length) }) };
  return { method: input.method, path: query === '' ? path : `${path}?${query}`, headers, body: sent };
}
