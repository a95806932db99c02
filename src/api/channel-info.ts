/** The `info` attributes of channels, read from cluster state (independent of delivery). */
import type { App } from '../apps/app-store.js';
import type { ChannelSummary } from '../cluster/channel-state.js';
import type { ClusterState } from '../cluster/cluster-state.js';
import { channelType } from '../protocol/channels.js';

export type ChannelAttributes = { user_count?: number; subscription_count?: number };

/** Picks the requested attributes that apply to the channel's type (user_count: presence only). */
export function attributesOf(channel: string, summary: ChannelSummary, info: readonly string[]): ChannelAttributes {
  const out: ChannelAttributes = {};
  if (info.includes('user_count') && channelType(channel).kind === 'presence') out.user_count = summary.userCount;
  if (info.includes('subscription_count')) out.subscription_count = summary.subscriptionCount;
  return out;
}

export async function channelsInfo(
  state: ClusterState,
  app: App,
  channels: readonly string[],
  info: readonly string[],
): Promise<Record<string, ChannelAttributes>> {
  const counted = channels.filter((channel) => channelType(channel).kind !== 'user');
  const summaries = await Promise.all(counted.map((channel) => state.channels.summary(app.id, channel)));
  // Channel names are user input (`__proto__` is a valid one): own properties, never assignments.
  return Object.fromEntries(counted.map((channel, index) => [channel, attributesOf(channel, summaries[index] as ChannelSummary, info)]));
}
