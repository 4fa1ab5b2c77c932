// src/gossip/db.ts: the accepted gossip in memory, raw and decoded: every announced channel with its
// latest update per direction, and every node's latest node_announcement. It answers queries and
// filters, and is what the store persists. No I/O.
import { bytesToHex } from '../crypto/index.js';
import type { ChannelAnnouncement, ChannelUpdate, NodeAnnouncement } from '../wire/index.js';
import { channelUpdateChecksumOfRaw } from './checksum.js';

export interface StoredUpdate {
  msg: ChannelUpdate;
  /** The whole message as received, type included. */
  raw: Uint8Array;
  checksum: number;
}

export interface StoredChannel {
  msg: ChannelAnnouncement;
  raw: Uint8Array;
  /** From the funding output, when it could be looked up. */
  capacitySat: bigint | undefined;
  /** When we accepted the announcement (unix seconds): young channels are not pruned for lack of updates. */
  receivedAtSec: number;
  /** Latest update from node_id_1 (index 0) and node_id_2 (index 1). */
  updates: [StoredUpdate | undefined, StoredUpdate | undefined];
}

export interface StoredNode {
  msg: NodeAnnouncement;
  raw: Uint8Array;
  /** Whether it may be relayed (see isNodeAnnouncementRelayable). */
  relayable: boolean;
}

export function storedUpdate(msg: ChannelUpdate, raw: Uint8Array): StoredUpdate {
  return { msg, raw, checksum: channelUpdateChecksumOfRaw(raw) };
}

/** The block height part of a short_channel_id. */
export function scidBlock(scid: bigint): number {
  return Number(scid >> 40n);
}

export class GossipDb {
  readonly channels = new Map<bigint, StoredChannel>();
  readonly nodes = new Map<string, StoredNode>();
  /** Announced channels per node (hex id): a node_announcement needs at least one. */
  private readonly channelCount = new Map<string, number>();
  private sorted: bigint[] | undefined;

  addChannel(ch: StoredChannel): void {
    if (this.channels.has(ch.msg.shortChannelId)) return;
    this.channels.set(ch.msg.shortChannelId, ch);
    for (const id of [ch.msg.nodeId1, ch.msg.nodeId2]) {
      const k = bytesToHex(id);
      this.channelCount.set(k, (this.channelCount.get(k) ?? 0) + 1);
    }
    this.sorted = undefined;
  }

  /** Forgets a channel; returns the node ids (hex) left with no channel. */
  removeChannel(scid: bigint): string[] {
    const ch = this.channels.get(scid);
    if (ch === undefined) return [];
    this.channels.delete(scid);
    this.sorted = undefined;
    const orphans: string[] = [];
    for (const id of [ch.msg.nodeId1, ch.msg.nodeId2]) {
      const k = bytesToHex(id);
      const n = (this.channelCount.get(k) ?? 1) - 1;
      if (n <= 0) {
        this.channelCount.delete(k);
        orphans.push(k);
      } else this.channelCount.set(k, n);
    }
    return orphans;
  }

  hasNodeChannels(nodeId: Uint8Array): boolean {
    return (this.channelCount.get(bytesToHex(nodeId)) ?? 0) > 0;
  }

  getNode(nodeId: Uint8Array): StoredNode | undefined {
    return this.nodes.get(bytesToHex(nodeId));
  }

  setNode(node: StoredNode): void {
    this.nodes.set(bytesToHex(node.msg.nodeId), node);
  }

  /** Short channel ids in ascending order. */
  sortedScids(): readonly bigint[] {
    if (this.sorted === undefined)
      this.sorted = [...this.channels.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return this.sorted;
  }

  /** Short channel ids whose block is in [firstBlock, endBlock), ascending. */
  scidsInBlocks(firstBlock: number, endBlock: number): bigint[] {
    const all = this.sortedScids();
    const lo = BigInt(firstBlock) << 40n;
    // Binary search for the first scid at or after `firstBlock`.
    let a = 0;
    let b = all.length;
    while (a < b) {
      const m = (a + b) >> 1;
      if ((all[m] as bigint) < lo) a = m + 1;
      else b = m;
    }
    const out: bigint[] = [];
    for (let i = a; i < all.length; i++) {
      const s = all[i] as bigint;
      if (scidBlock(s) >= endBlock) break;
      out.push(s);
    }
    return out;
  }

  /** The timestamp a channel_announcement counts as having: its newest update's (BOLT 7 filters). */
  channelTimestamp(ch: StoredChannel): number | undefined {
    const [a, b] = ch.updates;
    if (a === undefined && b === undefined) return undefined;
    return Math.max(a?.msg.timestamp ?? 0, b?.msg.timestamp ?? 0);
  }
}
