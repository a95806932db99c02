/**
 * How publications and control messages travel on a bus (Redis pub/sub, NATS, the in-memory bus):
 * versioned JSON, encoded once per publish and tagged with the sending node, so a node can ignore
 * its own echo. Publications are version 1; control envelopes version 2 (version 1 carried the
 * typed messages of 0.1, before control kinds). A control envelope of another version is reported
 * as foreign rather than dropped, so a node of another release on the same bus is seen and named.
 */
import { dataJson, memberText, RawJson } from '../protocol/raw-json.js';
import type { Publication } from './broker.js';

/** The publication's fields; `d`, the data, is spliced in as JSON text (see encodePublication). */
interface WirePublication {
  readonly v: 1;
  readonly n: string;
  readonly a: string;
  readonly c: string;
  readonly e: string;
  readonly u?: string | number;
  readonly x?: string;
}

/**
 * The data travels as the JSON value `d`, written from its JSON text (never re-serialized) and
 * read back as the exact text of `d` (never re-serialized either), so a client event's data
 * arrives on every node byte for byte, at any nesting depth.
 */
export function encodePublication(nodeId: string, publication: Publication): string {
  const wire: WirePublication = {
    v: 1,
    n: nodeId,
    a: publication.appId,
    c: publication.channel,
    e: publication.event,
    ...(publication.userId === undefined ? {} : { u: publication.userId }),
    ...(publication.exceptSocketId === undefined ? {} : { x: publication.exceptSocketId }),
  };
  const fields = JSON.stringify(wire);
  return publication.data === undefined ? fields : `${fields.slice(0, -1)},"d":${dataJson(publication.data)}}`;
}

function parseWire(text: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The publication, or undefined when it is this node's own or not one this version understands. */
export function decodePublication(ownNodeId: string, text: string): Publication | undefined {
  const wire = parseWire(text);
  if (wire?.['v'] !== 1 || wire['n'] === ownNodeId) return undefined;
  const { a, c, e, d, u, x } = wire;
  if (typeof a !== 'string' || typeof c !== 'string' || typeof e !== 'string') return undefined;
  const data = d === undefined ? undefined : memberText(text, 'd');
  return {
    appId: a,
    channel: c,
    event: e,
    data: data === undefined ? undefined : new RawJson(data),
    userId: typeof u === 'string' || typeof u === 'number' ? u : undefined,
    exceptSocketId: typeof x === 'string' ? x : undefined,
  };
}

/** The control wire version this release speaks. */
export const CONTROL_WIRE_VERSION = 2;

/** A control message as the bus hands it around, after the wire version check. */
export type ControlEnvelope =
  /** A one-way message, or a request when `askId` is set (the reply is addressed to its sender). */
  | { readonly type: 'message'; readonly kind: string; readonly version: number; readonly payload: unknown; readonly askId?: number }
  | { readonly type: 'reply'; readonly kind: string; readonly askId: number; readonly payload: unknown }
  /** A request the answering node would not or could not answer, and why. */
  | { readonly type: 'refusal'; readonly kind: string; readonly askId: number; readonly reason: string; readonly detail: string };

export type DecodedControl =
  | { readonly status: 'ok'; readonly from: string; readonly envelope: ControlEnvelope }
  /** Not this wire version (or not an envelope at all); `from` when it named its node. */
  | { readonly status: 'foreign'; readonly from: string | undefined; readonly version: unknown };

interface WireControl {
  readonly v: typeof CONTROL_WIRE_VERSION;
  readonly n: string;
  /** The node it is for; absent: every node. */
  readonly t?: string;
  readonly k: string;
  /** message: the kind's version. */
  readonly kv?: number;
  readonly p?: unknown;
  /** message: the request's id on the asking node. */
  readonly q?: number;
  /** reply, refusal: the id of the request answered. */
  readonly a?: number;
  /** refusal: why, and the detail. */
  readonly r?: string;
  readonly d?: string;
}

export function encodeControl(nodeId: string, envelope: ControlEnvelope, toNodeId?: string): string {
  const head: Pick<WireControl, 'v' | 'n' | 't' | 'k'> = { v: CONTROL_WIRE_VERSION, n: nodeId, ...(toNodeId === undefined ? {} : { t: toNodeId }), k: envelope.kind };
  let wire: WireControl;
  switch (envelope.type) {
    case 'message':
      wire = { ...head, kv: envelope.version, p: envelope.payload, ...(envelope.askId === undefined ? {} : { q: envelope.askId }) };
      break;
    case 'reply':
      wire = { ...head, a: envelope.askId, p: envelope.payload };
      break;
    case 'refusal':
      wire = { ...head, a: envelope.askId, r: envelope.reason, d: envelope.detail };
      break;
  }
  return JSON.stringify(wire);
}

/**
 * The envelope; undefined when it is this node's own or addressed to another node; 'foreign'
 * when it is not one this version reads (another release's, or garbage).
 */
export function decodeControl(ownNodeId: string, text: string): DecodedControl | undefined {
  const wire = parseWire(text);
  const from = typeof wire?.['n'] === 'string' ? wire['n'] : undefined;
  if (from === ownNodeId) return undefined;
  if (wire === undefined || from === undefined || wire['v'] !== CONTROL_WIRE_VERSION) return { status: 'foreign', from, version: wire?.['v'] };
  const { t, k, kv, p, q, a, r, d } = wire;
  if (typeof t === 'string' && t !== ownNodeId) return undefined;
  const foreign = { status: 'foreign', from, version: wire['v'] } as const;
  if (typeof k !== 'string') return foreign;
  if (typeof a === 'number') {
    if (typeof r === 'string') return { status: 'ok', from, envelope: { type: 'refusal', kind: k, askId: a, reason: r, detail: typeof d === 'string' ? d : '' } };
    return { status: 'ok', from, envelope: { type: 'reply', kind: k, askId: a, payload: p } };
  }
  if (typeof kv !== 'number') return foreign;
  const envelope: ControlEnvelope =
    typeof q === 'number' ? { type: 'message', kind: k, version: kv, payload: p, askId: q } : { type: 'message', kind: k, version: kv, payload: p };
  return { status: 'ok', from, envelope };
}
