/**
 * The control kinds of the HTTP fallback across nodes (remote-sessions.ts), checked on arrival:
 * - `http.send` (request): `xhr_send` messages for a session held by the answering node;
 * - `http.receive` (request): a receive request to attach to that session, relayed as `proxyId`;
 * - `http.frames`: what the session writes to a relayed receive request, owner -> relay;
 * - `http.receive-gone`: the client of a relayed receive request went away, relay -> owner.
 */
import { z } from 'zod';
import { controlKind, requestKind } from '../../cluster/control-kind.js';

const FORWARD_RESULTS = ['accepted', 'backlog', 'not-found', 'origin-mismatch', 'transport-mismatch'] as const;
export type HttpForwardResult = (typeof FORWARD_RESULTS)[number];
const forwardResult = z.enum(FORWARD_RESULTS);

/** The `n` a pusher-js request carries; the session checks its order. */
const sequence = z.number().int().nonnegative().optional();

const sendRequest = z.object({ session: z.string(), origin: z.string().optional(), n: sequence, messages: z.array(z.string()) });
export type HttpSendRequest = z.output<typeof sendRequest>;
export const HTTP_SEND = requestKind('http.send', sendRequest, forwardResult);

const receiveRequest = z.object({
  session: z.string(),
  kind: z.enum(['xhr_streaming', 'xhr_polling']),
  origin: z.string().optional(),
  n: sequence,
  /** Identifies the relayed response on both nodes. */
  proxyId: z.string(),
});
export type HttpReceiveRequest = z.output<typeof receiveRequest>;
export const HTTP_RECEIVE = requestKind('http.receive', receiveRequest, forwardResult);

export const HTTP_FRAMES = controlKind(
  'http.frames',
  z.object({
    proxyId: z.string(),
    /** write: more of a stream; finish: last text, then end; end: end without text. */
    op: z.enum(['write', 'finish', 'end']),
    text: z.string(),
  }),
);

export const HTTP_RECEIVE_GONE = controlKind('http.receive-gone', z.object({ session: z.string(), proxyId: z.string() }));
