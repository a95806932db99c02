/**
 * The framing of the pusher-js HTTP transports (protocol §8.5), pure and tested from strings.
 * Every frame is one line ending in `\n`:
 * - `o`: the session is open (exactly once per session; a second `o` makes pusher-js drop it);
 * - `a[...]`: messages, each element the JSON string literal of one complete Pusher message;
 * - `h`: heartbeat;
 * - `c[code,"reason"]`: close, mapped by pusher-js like a WebSocket close code (only after `o`).
 */
import { encodeError } from '../../protocol/codec.js';
import { Frame } from '../../protocol/frame.js';
import { tryParseJson } from '../../protocol/json.js';

export const OPEN_FRAME = 'o\n';
export const HEARTBEAT_FRAME = 'h\n';

/**
 * Written first on every stream: 2 KiB that old browsers and buffering proxies need before they
 * pass a streaming response through (the SockJS prelude). pusher-js ignores `h` before `o` and
 * answers one `h` line after `o` with one heartbeat POST.
 */
export const STREAM_PRELUDE = `${'h'.repeat(2048)}\n`;

/**
 * pusher-js aborts a stream and opens the next one on the same session once it has consumed more
 * than this many characters (UTF-16 code units of `responseText`) of it (`MAX_BUFFER_LENGTH`).
 */
export const CLIENT_STREAM_LIMIT_CHARS = 256 * 1024;

/** One `a[...]` frame carrying every queued message in order (each quoted once per Frame). */
export function messagesFrame(frames: readonly Frame[]): string {
  let body = '';
  for (const frame of frames) body += body === '' ? frame.quoted() : `,${frame.quoted()}`;
  return `a[${body}]\n`;
}

export function closeFrame(code: number, reason: string): string {
  return `c[${code},${JSON.stringify(reason)}]\n`;
}

/**
 * The whole answer refusing a session that was never opened: `o` (pusher-js applies a close code
 * only after it), the `pusher:error`, then the close, as a refused WebSocket gets them.
 */
export function refusalFrames(code: number, reason: string): string {
  return OPEN_FRAME + messagesFrame([new Frame(encodeError(code, reason))]) + closeFrame(code, reason);
}

/**
 * An `xhr_send` body: a JSON array of strings, each one Pusher message as the client encoded it.
 * `[]` is a heartbeat. Anything else is refused (undefined); the messages themselves are
 * validated later, one by one, exactly as WebSocket text frames are.
 */
export function parseSendBody(body: string): string[] | undefined {
  const parsed: unknown = tryParseJson(body);
  if (!Array.isArray(parsed)) return undefined;
  const messages: string[] = [];
  for (const element of parsed as unknown[]) {
    if (typeof element !== 'string') return undefined;
    messages.push(element);
  }
  return messages;
}
