/**
 * Reading records back from a shared store (Redis, NATS KV) with checks, not casts: another
 * release, a manual edit or a bug may have written anything there, and a record that fails its
 * check reads as absent (the callers then treat it as they treat a missing one) rather than
 * handing a wrong shape to the code that trusts its type.
 */
import { z, type ZodType } from 'zod';
import type { JsonValue } from '../protocol/json.js';

/** The record, or undefined when the text is not JSON or the value fails `schema`. */
export function parseStored<T>(text: string, schema: ZodType<T>): T | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const result = schema.safeParse(value);
  return result.success ? result.data : undefined;
}

/** Anything JSON.parse returned is a JSON value: accepted as is (user data, never copied). */
export const jsonValue = z.custom<JsonValue>(() => true);

/** Counts per node id. */
export const nodeCounts = z.record(z.string(), z.number());

/**
 * A map keyed by user input (user ids) from a parsed JSON object, built without a prototype: on a
 * plain object, reading `__proto__` finds Object.prototype and writing it replaces the prototype.
 * Undefined when `value` is not an object or any entry fails `schema`.
 */
export function keyedMap<T>(value: unknown, schema: ZodType<T>): Record<string, T> | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const map = Object.create(null) as Record<string, T>;
  for (const [key, entry] of Object.entries(value)) {
    const result = schema.safeParse(entry);
    if (!result.success) return undefined;
    map[key] = result.data;
  }
  return map;
}
