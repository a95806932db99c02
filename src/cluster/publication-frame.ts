/**
 * The client frame of a publication: the one text every subscriber of the channel receives, on
 * the publishing node and (carried on the bus, see bus-codec.ts) on every other node.
 */
import { isWatchlistChannel } from '../protocol/channels.js';
import { encodeChannelEvent, encodeConnectionEvent } from '../protocol/codec.js';
import type { Publication } from './broker.js';

/** The wire text of a publication; routing-only channels (watchlists) leave the channel out. */
export function publicationFrame(publication: Publication): string {
  if (publication.frame !== undefined) return publication.frame;
  const { channel, event, data, userId } = publication;
  return isWatchlistChannel(channel) ? encodeConnectionEvent(event, data) : encodeChannelEvent(channel, event, data, userId);
}

/** The publication with its frame encoded, so that the hub and the bus share one encoding. */
export function withFrame(publication: Publication): Publication {
  return publication.frame === undefined ? { ...publication, frame: publicationFrame(publication) } : publication;
}
