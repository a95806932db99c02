/**
 * Parses the config file's JSON and, on a syntax error, names the line and column (1-based) so
 * the operator can find it. Node's JSON.parse gives a character offset ("at position 14"), or no
 * offset at all when the text ends early; both are turned into a line and column here.
 */
export interface JsonSyntaxError {
  readonly line: number;
  readonly column: number;
  /** The parser's message without its own position text. */
  readonly message: string;
}

export type JsonParseResult = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: JsonSyntaxError };

/** Line and column (1-based) of a character offset in `text`. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const lines = before.split('\n');
  return { line: lines.length, column: (lines.at(-1)?.length ?? 0) + 1 };
}

export function parseJsonText(text: string): JsonParseResult {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    const raw = error instanceof Error ? error.message : String(error);
    const position = /at position (\d+)/.exec(raw);
    const offset = position?.[1] === undefined ? text.length : Number(position[1]);
    const message = raw.replace(/\s*\(line \d+ column \d+\)/, '').replace(/ in JSON at position \d+/, '').replace(/ at position \d+/, '');
    return { ok: false, error: { ...lineAndColumn(text, offset), message } };
  }
}
