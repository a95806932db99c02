/** Which events an endpoint receives: its event-type filter and its channel-name prefixes. */
import type { WebhookConfig } from '../config/schema.js';
import type { WebhookEvent } from '../core/webhook-sink.js';

export function targetAccepts(target: WebhookConfig, event: WebhookEvent): boolean {
  if (target.events !== undefined && !target.events.includes(event.name)) return false;
  if (target.channelPrefixes !== undefined && !target.channelPrefixes.some((prefix) => event.channel.startsWith(prefix))) return false;
  return true;
}
