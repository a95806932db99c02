/**
 * The client frame of a publication: the one text every subscriber of the channel receives, on
 * the publishing node and (carried on the bus, see bus-codec.ts) on every other node.
 */
import { isWatchlistChannel } from '../protocol/channels.js';
import { encodeChannelEvent, encodeConnectionEvent } from '../protocol/codec.js';
import type { Publication } from './broker.js';

/** The wire text of a publication; routing-only channels (watchlists) leave the channel out. */
export function publicationFrame(publication: Publication): string {
  const { channel, event, data, userId } = publication;
  return isWatchlistChannel(channel) ? encodeConnectionEvent(event, data) : encodeChannelEvent(channel, event, data, userId);
}
