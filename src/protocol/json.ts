/** JSON values as parsed from the wire. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** JSON.parse that returns undefined instead of throwing. */
export function tryParseJson(text: string): JsonValue | undefined {
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    return undefined;
  }
}

/**
 * How deeply arrays and objects may nest in a value the server must serialize itself (presence
 * user_info, HTTP API data that is not a string). JSON.stringify recurses, so a deeper value could
 * exhaust the stack; what is relayed as received (client event data) has no such limit.
 */
export const MAX_JSON_DEPTH = 100;

/** Whether arrays and objects in `value` nest more than `limit` levels; iterative, so any value is safe to check. */
export function nestsDeeperThan(value: JsonValue, limit: number): boolean {
  const pending: { readonly value: JsonValue; readonly depth: number }[] = [{ value, depth: 0 }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const current = next.value;
    if (typeof current !== 'object' || current === null) continue;
    const depth = next.depth + 1;
    if (depth > limit) return true;
    for (const child of Array.isArray(current) ? current : Object.values(current)) {
      if (typeof child === 'object' && child !== null) pending.push({ value: child, depth });
    }
  }
  return false;
}
