// src/gossip/relay.ts: the staggered broadcast. Accepted gossip waits in a queue keyed by what it
// describes, so a newer message replaces an older one; the queue is flushed on a fixed interval.
// BOLT 7: "Once the gossip message has been processed, it's added to a list of outgoing messages,
// destined for the processing node's peers, replacing any older updates from the origin node."
import { bytesToHex } from '../crypto/index.js';
import type { ChannelAnnouncement, ChannelUpdate, NodeAnnouncement } from '../wire/index.js';

export type GossipMessage = ChannelAnnouncement | ChannelUpdate | NodeAnnouncement;

export interface RelayItem {
  msg: GossipMessage;
  /** What a gossip_timestamp_filter compares (an announcement takes its update's timestamp). */
  timestamp: number;
  /** The peer (hex node id) we got it from; it is not sent back there. */
  origin: string;
}

/** What a peer asked for with gossip_timestamp_filter. */
export interface TimestampFilter {
  firstTimestamp: number;
  timestampRange: number;
}

/**
 * BOLT 7: "SHOULD send all gossip messages whose `timestamp` is greater or equal to
 * `first_timestamp`, and less than `first_timestamp` plus `timestamp_range`."
 */
export function inFilter(filter: TimestampFilter, timestamp: number): boolean {
  return timestamp >= filter.firstTimestamp && timestamp < filter.firstTimestamp + filter.timestampRange;
}

const RANK: Record<GossipMessage['kind'], number> = {
  channel_announcement: 0,
  channel_update: 1,
  node_announcement: 2,
};

function keyOf(msg: GossipMessage): string {
  switch (msg.kind) {
    case 'channel_announcement':
      return `a${msg.shortChannelId}`;
    case 'channel_update':
      return `u${msg.shortChannelId}/${msg.channelFlags & 1}`;
    case 'node_announcement':
      return `n${bytesToHex(msg.nodeId)}`;
  }
}

export class RelayQueue {
  private items = new Map<string, RelayItem>();

  get size(): number {
    return this.items.size;
  }

  /** Queues a message, replacing a queued one about the same channel direction or node. */
  enqueue(item: RelayItem): void {
    const k = keyOf(item.msg);
    this.items.delete(k);
    this.items.set(k, item);
  }

  /** Forgets queued messages about a channel (it was closed or pruned). */
  dropChannel(scid: bigint): void {
    for (const k of [`a${scid}`, `u${scid}/0`, `u${scid}/1`]) this.items.delete(k);
  }

  /**
   * Empties the queue. Channel announcements come first, then updates, then node announcements.
   * BOLT 7: "MUST send the `channel_announcement` prior to any corresponding `channel_update`s
   * and `node_announcement`s."
   */
  drain(): RelayItem[] {
    const out = [...this.items.values()];
    this.items = new Map();
    return out.sort((a, b) => RANK[a.msg.kind] - RANK[b.msg.kind]);
  }
}
