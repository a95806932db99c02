/**
 * Validates HTTP API events (protocol §6.3) against the app's limits. Pure: a JSON value in, an
 * event or the exact API error out. Batches are validated whole before anything is published.
 */
import type { App } from '../apps/app-store.js';
import { channelType, checkChannelName } from '../protocol/channels.js';
import { ApiErrors, type ApiError } from '../protocol/errors.js';
import { isJsonObject, MAX_JSON_DEPTH, nestsDeeperThan, type JsonValue } from '../protocol/json.js';
import { isValidSocketId } from '../protocol/socket-id.js';

export type InfoAttribute = 'user_count' | 'subscription_count';

export interface EventInput {
  readonly name: string;
  readonly data: string;
  readonly channels: readonly string[];
  readonly socketId: string | undefined;
  readonly info: readonly InfoAttribute[];
}

export type Checked<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: ApiError; readonly detail: string };

function fail<T>(error: ApiError, detail: string = error.message): Checked<T> {
  return { ok: false, error, detail };
}

const INFO_ATTRIBUTES: readonly string[] = ['user_count', 'subscription_count'];

/** Parses a comma-separated `info` value; unknown attributes are an error. */
export function parseInfo(value: JsonValue | undefined, allowed: readonly string[] = INFO_ATTRIBUTES): Checked<string[]> {
  if (value === undefined || value === null || value === '') return { ok: true, value: [] };
  if (typeof value !== 'string') return fail(ApiErrors.invalidInfo, 'info must be a comma-separated string');
  const attributes = [...new Set(value.split(',').map((part) => part.trim()).filter((part) => part !== ''))];
  const unknown = attributes.find((attribute) => !allowed.includes(attribute));
  if (unknown !== undefined) {
    return fail(ApiErrors.invalidInfo, `Unknown info attribute "${unknown}"; allowed: ${allowed.join(', ')}`);
  }
  return { ok: true, value: attributes };
}

/** `mode: 'batch'` requires a single `channel`, as batch items carry. */
export function checkEvent(app: App, body: JsonValue, mode: 'single' | 'batch'): Checked<EventInput> {
  if (!isJsonObject(body)) return fail(ApiErrors.invalidBody, 'The event must be a JSON object');
  const name = body['name'];
  if (typeof name !== 'string' || name === '') return fail(ApiErrors.eventNameTooLong, 'name must be a non-empty string');
  if (name.length > app.maxEventNameLength) {
    return fail(ApiErrors.eventNameTooLong, `Event name is ${name.length} characters, over the limit of ${app.maxEventNameLength}`);
  }

  const rawData = body['data'];
  if (rawData === undefined) return fail(ApiErrors.invalidBody, 'data is required');
  // The SDKs send a string; any other JSON value is relayed JSON-encoded, so it must serialize.
  if (typeof rawData !== 'string' && nestsDeeperThan(rawData, MAX_JSON_DEPTH)) return fail(ApiErrors.dataTooDeep);
  const data = typeof rawData === 'string' ? rawData : JSON.stringify(rawData);
  // A UTF-16 code unit is at most 3 UTF-8 bytes: short data needs no byte count.
  const dataBytes = data.length * 3 <= app.maxEventDataBytes ? 0 : Buffer.byteLength(data);
  if (dataBytes > app.maxEventDataBytes) {
    return fail(ApiErrors.dataTooLarge, `Event data is ${dataBytes} bytes, over the limit of ${app.maxEventDataBytes}`);
  }

  const channelsResult = checkChannels(app, body, mode);
  if (!channelsResult.ok) return channelsResult;
  const channels = channelsResult.value;

  const socketId = body['socket_id'];
  if (socketId !== undefined && socketId !== null && (typeof socketId !== 'string' || !isValidSocketId(socketId))) {
    return fail(ApiErrors.invalidSocketId, 'socket_id must look like 1234.5678');
  }
  const info = parseInfo(body['info']);
  if (!info.ok) return info;
  return {
    ok: true,
    value: {
      name,
      data,
      channels,
      socketId: typeof socketId === 'string' ? socketId : undefined,
      info: info.value as InfoAttribute[],
    },
  };
}

function checkChannels(app: App, body: Record<string, JsonValue>, mode: 'single' | 'batch'): Checked<string[]> {
  const list = body['channels'];
  const single = body['channel'];
  let names: JsonValue[];
  if (mode === 'single' && list !== undefined) {
    if (!Array.isArray(list)) return fail(ApiErrors.invalidBody, 'channels must be an array of channel names');
    names = list;
  } else if (typeof single === 'string') {
    names = [single];
  } else {
    return fail(ApiErrors.invalidBody, mode === 'batch' ? 'Each batch event needs a channel' : 'channels or channel is required');
  }
  if (names.length === 0) return fail(ApiErrors.invalidBody, 'channels must name at least one channel');
  if (names.length > app.maxChannelsPerEvent) {
    return fail(ApiErrors.tooManyChannels, `${names.length} channels given; at most ${app.maxChannelsPerEvent} are allowed`);
  }
  const channels: string[] = [];
  for (const name of names) {
    if (typeof name !== 'string' || checkChannelName(name, app.maxChannelNameLength) !== undefined) {
      // Only a string is quoted back: any other value may be too deep to serialize.
      return fail(ApiErrors.invalidChannel, typeof name === 'string' ? `Invalid channel name: ${JSON.stringify(name)}` : 'Invalid channel name: not a string');
    }
    if (!channels.includes(name)) channels.push(name);
  }
  if (channels.length > 1 && channels.some((name) => channelType(name).kind === 'encrypted')) {
    return fail(ApiErrors.encryptedMultiChannel);
  }
  return { ok: true, value: channels };
}

export function checkBatch(app: App, body: JsonValue): Checked<EventInput[]> {
  const batch = isJsonObject(body) ? body['batch'] : undefined;
  if (!Array.isArray(batch)) return fail(ApiErrors.invalidBody, 'batch must be an array of events');
  if (batch.length === 0) return fail(ApiErrors.invalidBody, 'batch must hold at least one event');
  if (batch.length > app.maxEventsPerBatch) {
    return fail(ApiErrors.tooManyEvents, `${batch.length} events given; at most ${app.maxEventsPerBatch} are allowed per batch`);
  }
  const events: EventInput[] = [];
  for (const [index, item] of batch.entries()) {
    const checked = checkEvent(app, item, 'batch');
    if (!checked.ok) return { ...checked, detail: `batch[${index}]: ${checked.detail}` };
    events.push(checked.value);
  }
  return { ok: true, value: events };
}
