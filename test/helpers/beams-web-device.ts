/**
 * The requests the Beams web SDK (@pusher/push-notifications-web 2.1.0, src/push-notifications.js
 * and do-request.js) makes, byte for byte in method, path, headers and body, from Node: what a
 * page running the SDK with `endpointOverride` sends to Switchboard. Each call resolves with the
 * status and parsed JSON body (or null), so tests can check refusals too.
 */
import type { TestSubscription } from './push-service.js';

/** The SDK version the web SDK sends in its device metadata. */
export const WEB_SDK_VERSION = '2.1.0';

export interface Answer {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Headers;
}

/** do-request.js: JSON body (with Content-Type) only when there is one; params without null values. */
async function doRequest(options: { method: string; path: string; params?: Record<string, unknown>; body?: unknown; headers?: Record<string, string> }): Promise<Answer> {
  let path = options.path;
  const params = Object.entries(options.params ?? {}).filter(([, value]) => Boolean(value));
  if (options.params !== undefined && Object.keys(options.params).length > 0) {
    path += `?${params.map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(String(value))}`).join('&')}`;
  }
  const init: RequestInit = { method: options.method, headers: options.headers ?? {} };
  if (options.body !== undefined) {
    init.body = JSON.stringify(options.body);
    init.headers = { 'Content-Type': 'application/json', ...options.headers };
  }
  const response = await fetch(path, init);
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = null;
  }
  return { status: response.status, body, headers: response.headers };
}

export class BeamsWebDevice {
  readonly #base: string;
  readonly #instanceId: string;
  deviceId: string | undefined;

  /** `endpointOverride` is Switchboard's URL (http://host:port). */
  constructor(endpointOverride: string, instanceId: string) {
    this.#base = endpointOverride;
    this.#instanceId = instanceId;
  }

  get #deviceApi(): string {
    return `${this.#base}/device_api/v1/instances/${encodeURIComponent(this.#instanceId)}`;
  }

  get #device(): string {
    if (this.deviceId === undefined) throw new Error('device not registered');
    return `${this.#deviceApi}/devices/web/${this.deviceId}`;
  }

  /** _getPublicKey */
  vapidPublicKey(): Promise<Answer> {
    return doRequest({ method: 'GET', path: `${this.#deviceApi}/web-vapid-public-key` });
  }

  /** start(): _getPublicKey, pushManager.subscribe (the caller's), then _registerDevice. */
  async register(subscription: Pick<TestSubscription, 'toJSON'>): Promise<Answer> {
    const token = Buffer.from(JSON.stringify(subscription.toJSON())).toString('base64');
    const answer = await doRequest({ method: 'POST', path: `${this.#deviceApi}/devices/web`, body: { token, metadata: { sdkVersion: WEB_SDK_VERSION } } });
    const id = (answer.body as { id?: unknown } | null)?.id;
    if (answer.status === 200 && typeof id === 'string') this.deviceId = id;
    return answer;
  }

  /** The raw registration with any token (bad input tests). */
  registerToken(token: unknown): Promise<Answer> {
    return doRequest({ method: 'POST', path: `${this.#deviceApi}/devices/web`, body: { token, metadata: { sdkVersion: WEB_SDK_VERSION } } });
  }

  addDeviceInterest(interest: string): Promise<Answer> {
    return doRequest({ method: 'POST', path: `${this.#device}/interests/${encodeURIComponent(interest)}` });
  }

  removeDeviceInterest(interest: string): Promise<Answer> {
    return doRequest({ method: 'DELETE', path: `${this.#device}/interests/${encodeURIComponent(interest)}` });
  }

  getDeviceInterests(limit = 100, cursor: string | null = null): Promise<Answer> {
    return doRequest({ method: 'GET', path: `${this.#device}/interests`, params: { limit, cursor } });
  }

  setDeviceInterests(interests: readonly string[]): Promise<Answer> {
    return doRequest({ method: 'PUT', path: `${this.#device}/interests`, body: { interests: [...new Set(interests)] } });
  }

  /** setUserId(userId, tokenProvider): the token comes from the app's backend (the server SDK's generateToken). */
  setUserId(beamsAuthToken: string): Promise<Answer> {
    return doRequest({ method: 'PUT', path: `${this.#device}/user`, headers: { Authorization: `Bearer ${beamsAuthToken}` } });
  }

  /** _updateDeviceMetadata */
  updateMetadata(): Promise<Answer> {
    return doRequest({ method: 'PUT', path: `${this.#device}/metadata`, body: { sdkVersion: WEB_SDK_VERSION } });
  }

  /** stop(): _deleteDevice */
  deleteDevice(): Promise<Answer> {
    return doRequest({ method: 'DELETE', path: `${this.#deviceApi}/devices/web/${encodeURIComponent(this.deviceId ?? '')}` });
  }

  /** The Beams test client's GET of a device (ErrolTestClient.getWebDevice). */
  getDevice(): Promise<Answer> {
    return doRequest({ method: 'GET', path: this.#device });
  }

  /** The service worker's reportEvent (src/service-worker.js). */
  report(event: 'delivery' | 'open', publishId: string, userId: string | null): Promise<Answer> {
    return doRequest({
      method: 'POST',
      path: `${this.#base}/reporting_api/v2/instances/${this.#instanceId}/events`,
      body: {
        publishId,
        event,
        deviceId: this.deviceId,
        userId,
        timestampSecs: Math.floor(Date.now() / 1000),
        appInBackground: true,
        hasDisplayableContent: true,
        hasData: true,
      },
    });
  }
}
