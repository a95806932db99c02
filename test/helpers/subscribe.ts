/** Waits for an already-created pusher-js channel to be subscribed (bind listeners before this). */
import type { Channel } from 'pusher-js';

export function stateSubscribed(channel: Channel): Promise<void> {
  if (channel.subscribed) return Promise.resolve();
  return new Promise((resolve, reject) => {
    channel.bind('pusher:subscription_succeeded', () => resolve());
    channel.bind('pusher:subscription_error', (error: unknown) => reject(new Error(JSON.stringify(error))));
  });
}
