/**
 * JSON text relayed exactly as received. A client event's `data` is sliced from the client's
 * frame and sent on (to local subscribers, to other nodes, into webhooks) without ever being
 * parsed into a value and serialized again: re-serializing would change what the sender sent, and
 * JSON.stringify throws RangeError on deeply nested values that JSON.parse accepts (V8 parses
 * iteratively but stringifies recursively), so a 100 KB frame of 50,000 nested arrays would fail.
 */

export class RawJson {
  /** Valid JSON text of one value, without surrounding whitespace. */
  readonly text: string;

  constructor(text: string) {
    this.text = text;
  }
}

/** The JSON text of event data: a publisher's string is JSON-encoded, raw JSON is used as is. */
export function dataJson(data: string | RawJson): string {
  return typeof data === 'string' ? JSON.stringify(data) : data.text;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

function isWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;
}

function skipWhitespace(text: string, index: number): number {
  let at = index;
  while (at < text.length && isWhitespace(text.charCodeAt(at))) at += 1;
  return at;
}

/** From an opening quote to just after its closing quote (a quote preceded by an even run of backslashes). */
function skipString(text: string, index: number): number {
  let from = index + 1;
  for (;;) {
    const quote = text.indexOf('"', from);
    if (quote === -1) return text.length;
    let before = quote - 1;
    while (text.charCodeAt(before) === BACKSLASH) before -= 1;
    if ((quote - 1 - before) % 2 === 0) return quote + 1;
    from = quote + 1;
  }
}

/** From the first character of a value to just after it; nesting is counted, never recursed into. */
function skipValue(text: string, index: number): number {
  const first = text.charCodeAt(index);
  if (first === QUOTE) return skipString(text, index);
  let at = index;
  if (first === OPEN_BRACE || first === OPEN_BRACKET) {
    let depth = 0;
    while (at < text.length) {
      const code = text.charCodeAt(at);
      if (code === QUOTE) {
        at = skipString(text, at);
        continue;
      }
      if (code === OPEN_BRACE || code === OPEN_BRACKET) depth += 1;
      else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) {
        depth -= 1;
        if (depth === 0) return at + 1;
      }
      at += 1;
    }
    return at;
  }
  // A number, true, false or null.
  while (at < text.length) {
    const code = text.charCodeAt(at);
    if (code === COMMA || code === CLOSE_BRACE || code === CLOSE_BRACKET || isWhitespace(code)) break;
    at += 1;
  }
  return at;
}

/** Whether the string literal text[start, end) spells `key` (escapes decoded). */
function keyIs(text: string, start: number, end: number, key: string): boolean {
  const inner = text.slice(start + 1, end - 1);
  if (!inner.includes('\\')) return inner === key;
  return (JSON.parse(text.slice(start, end)) as unknown) === key;
}

/**
 * The exact text of the value of member `key` of the JSON object in `text` (the last one, as
 * JSON.parse keeps the last of duplicate keys), or undefined when it has none. `text` must be
 * valid JSON (it has been parsed already): this only walks over it, once, without recursion.
 */
export function memberText(text: string, key: string): string | undefined {
  let at = skipWhitespace(text, 0);
  if (text.charCodeAt(at) !== OPEN_BRACE) return undefined;
  at = skipWhitespace(text, at + 1);
  let found: string | undefined;
  while (at < text.length && text.charCodeAt(at) === QUOTE) {
    const keyEnd = skipString(text, at);
    const matches = keyIs(text, at, keyEnd, key);
    // Past the colon to the value.
    at = skipWhitespace(text, skipWhitespace(text, keyEnd) + 1);
    const valueEnd = skipValue(text, at);
    if (matches) found = text.slice(at, valueEnd);
    at = skipWhitespace(text, valueEnd);
    if (text.charCodeAt(at) === COMMA) at = skipWhitespace(text, at + 1);
  }
  return found;
}
