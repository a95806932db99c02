/**
 * Control message kinds: what a feature declares to send node-to-node messages that are not
 * channel traffic. A kind is a name, a version and the check its payload must pass on arrival
 * (a zod schema or a decoding function that throws); a request kind adds the check of its reply.
 *
 * The bus knows no kind: each feature declares its own next to its code and registers its
 * handler with `broker.control.handle(KIND, handler)` (or `answer` for a request), one line.
 * A kind's version goes on the wire; a node that receives another version of a kind it knows
 * refuses it and says so (see control-bus.ts), so nodes of different versions fail clearly.
 */
import type { ZodType } from 'zod';

/** Turns a received value into a checked payload, or throws saying what is wrong. */
export type Decoder<T> = (value: unknown) => T;

export interface ControlKind<P> {
  readonly name: string;
  readonly version: number;
  readonly decode: Decoder<P>;
}

export interface RequestKind<P, R> extends ControlKind<P> {
  readonly decodeReply: Decoder<R>;
}

/** A zod schema or a decoding function. */
export type SchemaOrDecoder<T> = ZodType<T> | Decoder<T>;

function decoderOf<T>(check: SchemaOrDecoder<T>): Decoder<T> {
  if (typeof check === 'function') return check;
  return (value) => check.parse(value);
}

const NAME = /^[a-z][a-z0-9.-]{0,63}$/;

function checkedName(name: string): string {
  if (!NAME.test(name)) throw new Error(`control kind name ${JSON.stringify(name)} must match ${String(NAME)}`);
  return name;
}

/** A one-way message kind (`tell`, `handle`). */
export function controlKind<P>(name: string, payload: SchemaOrDecoder<P>, version = 1): ControlKind<P> {
  return { name: checkedName(name), version, decode: decoderOf(payload) };
}

/** A request kind (`ask`, `answer`): the payload and the reply are both checked on arrival. */
export function requestKind<P, R>(name: string, payload: SchemaOrDecoder<P>, reply: SchemaOrDecoder<R>, version = 1): RequestKind<P, R> {
  return { name: checkedName(name), version, decode: decoderOf(payload), decodeReply: decoderOf(reply) };
}
