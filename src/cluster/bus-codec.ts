/**
 * How publications and control messages travel on a bus (Redis pub/sub, NATS, the in-memory bus):
 * versioned text, encoded once per publish and tagged with the sending node, so a node can ignore
 * its own echo. Publications are version 2: a JSON line of routing fields, a newline, then the
 * client frame as the publishing node encoded it (version 1, the 0.1 release's, carried the event's
 * fields in one JSON object; it is still read). Control envelopes are version 2 (version 1 carried
 * the typed messages of 0.1, before control kinds). A control envelope of another version is
 * reported as foreign rather than dropped, so a node of another release on the same bus is seen
 * and named.
 */
import { memberText, RawJson } from '../protocol/raw-json.js';
import type { Publication, RemotePublication } from './broker.js';
import { publicationFrame } from './publication-frame.js';

/** The publication wire version this release writes. */
export const PUBLICATION_WIRE_VERSION = 2;

/** The routing line of a version-2 publication; the frame follows it after a newline. */
interface WirePublicationHead {
  readonly v: typeof PUBLICATION_WIRE_VERSION;
  readonly n: string;
  readonly a: string;
  readonly c: string;
  readonly e: string;
  readonly x?: string;
}

const NEWLINE = '\n';

/**
 * `{routing fields}\n{client frame}`. JSON.stringify never writes a raw newline, so the first
 * newline ends the routing line whatever the channel or event name; the frame after it is the
 * exact text local subscribers receive (publication-frame.ts), data spliced in unparsed.
 */
export function encodePublication(nodeId: string, publication: Publication): string {
  const head: WirePublicationHead = {
    v: PUBLICATION_WIRE_VERSION,
    n: nodeId,
    a: publication.appId,
    c: publication.channel,
    e: publication.event,
    ...(publication.exceptSocketId === undefined ? {} : { x: publication.exceptSocketId }),
  };
  // publicationFrame reuses the frame the publishing node encoded for its own sockets.
  return `${JSON.stringify(head)}${NEWLINE}${publicationFrame(publication)}`;
}

function parseWire(text: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The publication, or undefined when it is this node's own or not one this version understands.
 * Version 2: only the routing line is parsed; the frame is sliced off, never parsed.
 */
export function decodePublication(ownNodeId: string, text: string): RemotePublication | undefined {
  const newline = text.indexOf(NEWLINE);
  if (newline === -1) return decodeVersion1(ownNodeId, text);
  const head = parseWire(text.slice(0, newline));
  if (head?.['v'] !== PUBLICATION_WIRE_VERSION || head['n'] === ownNodeId) return undefined;
  const { a, c, e, x } = head;
  if (typeof a !== 'string' || typeof c !== 'string' || typeof e !== 'string') return undefined;
  return { appId: a, channel: c, event: e, exceptSocketId: typeof x === 'string' ? x : undefined, frame: text.slice(newline + 1) };
}

/** A 0.1 node's publication (one JSON object, data as the JSON value `d`): the frame is built here. */
function decodeVersion1(ownNodeId: string, text: string): RemotePublication | undefined {
  const wire = parseWire(text);
  if (wire?.['v'] !== 1 || wire['n'] === ownNodeId) return undefined;
  const { a, c, e, d, u, x } = wire;
  if (typeof a !== 'string' || typeof c !== 'string' || typeof e !== 'string') return undefined;
  const data = d === undefined ? undefined : memberText(text, 'd');
  const publication: Publication = {
    appId: a,
    channel: c,
    event: e,
    data: data === undefined ? undefined : new RawJson(data),
    userId: typeof u === 'string' || typeof u === 'number' ? u : undefined,
  };
  return { appId: a, channel: c, event: e, exceptSocketId: typeof x === 'string' ? x : undefined, frame: publicationFrame(publication) };
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
