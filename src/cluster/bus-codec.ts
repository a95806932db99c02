/**
 * How publications and control messages travel on a bus (Redis pub/sub, NATS): versioned JSON,
 * encoded once per publish and tagged with the sending node, so a node can ignore its own echo.
 */
import { dataJson, memberText, RawJson } from '../protocol/raw-json.js';
import type { ControlMessage, Publication } from './broker.js';

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

interface WireControl {
  readonly v: 1;
  readonly n: string;
  /** The node it is for; absent: every node. */
  readonly t?: string;
  readonly m: ControlMessage;
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

export function encodeControl(nodeId: string, message: ControlMessage, toNodeId?: string): string {
  const wire: WireControl = toNodeId === undefined ? { v: 1, n: nodeId, m: message } : { v: 1, n: nodeId, t: toNodeId, m: message };
  return JSON.stringify(wire);
}

/** The message, or undefined when it is this node's own, for another node, or not understood. */
export function decodeControl(ownNodeId: string, text: string): ControlMessage | undefined {
  const wire = parseWire(text);
  if (wire?.['v'] !== 1 || wire['n'] === ownNodeId) return undefined;
  if (typeof wire['t'] === 'string' && wire['t'] !== ownNodeId) return undefined;
  const message = wire['m'];
  return typeof message === 'object' && message !== null ? (message as ControlMessage) : undefined;
}
