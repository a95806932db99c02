/**
 * The examples' auth endpoint, as a user's backend writes it with the official `pusher` SDK: it
 * signs private and presence subscriptions with the app secret (which never reaches a page).
 *
 * These examples let anyone in: a real backend checks here that its signed-in user may join the
 * channel, and takes the presence user id and name from its session, not from the request.
 */
import Pusher from 'pusher';

export interface AppCredentials {
  readonly id: string;
  readonly key: string;
  readonly secret: string;
}

/** A refused auth request: the page server answers `status` with the message. */
export class AuthRequestError extends Error {
  override readonly name = 'AuthRequestError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const SOCKET_ID = /^\d+\.\d+$/;
const CHANNEL = /^(private|presence)-[A-Za-z0-9_\-=@,.;]{1,160}$/;
const USER_ID = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_NAME_LENGTH = 40;

export type AuthResponse = ReturnType<Pusher['authorizeChannel']>;

export class ChannelAuthorizer {
  readonly #pusher: Pusher;

  /** `host` and `port`: Switchboard's, where this SDK would send HTTP API calls. */
  constructor(app: AppCredentials, host: string, port: number) {
    this.#pusher = new Pusher({ appId: app.id, key: app.key, secret: app.secret, host, port: String(port), useTLS: false });
  }

  /**
   * `form` is pusher-js's auth request body: socket_id, channel_name and the page's params
   * (user_id and name, for presence channels).
   */
  authorize(form: URLSearchParams): AuthResponse {
    const socketId = form.get('socket_id') ?? '';
    const channel = form.get('channel_name') ?? '';
    if (!SOCKET_ID.test(socketId)) throw new AuthRequestError(400, 'socket_id is missing or malformed');
    if (!CHANNEL.test(channel)) throw new AuthRequestError(403, 'only private- and presence- channels are signed here');
    if (!channel.startsWith('presence-')) return this.#pusher.authorizeChannel(socketId, channel);
    const userId = form.get('user_id') ?? '';
    const name = (form.get('name') ?? '').trim();
    if (!USER_ID.test(userId)) throw new AuthRequestError(400, 'user_id must be 1 to 64 letters, digits, - or _');
    if (name.length === 0 || name.length > MAX_NAME_LENGTH) throw new AuthRequestError(400, `name must be 1 to ${MAX_NAME_LENGTH} characters`);
    return this.#pusher.authorizeChannel(socketId, channel, { user_id: userId, user_info: { name } });
  }
}
