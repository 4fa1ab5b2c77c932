// src/gossip/network-view.ts: the accepted gossip, kept in step in three places: the gossip db
// (raw messages for queries and relay), the channel graph (for pathfinding) and the store (for the
// next start). Every change goes through here so the three never disagree. Verification and relay
// decisions are the gossiper's; this only records.
import {
  type AnnouncementSignatures,
  aliasToString,
  CHANNEL_FLAG_DISABLE,
  type ChannelAnnouncement,
  type ChannelUpdate,
  channelUpdateDirection,
  decodeMessage,
  Features,
  type NodeAnnouncement,
  type WireMessage,
} from '../wire/index.js';
import { GossipDb, type StoredChannel, type StoredUpdate, storedUpdate } from './db.js';
import {
  decodeChannelRecord,
  encodeChannelRecord,
  type GossipPersistence,
  keys,
  parseKey,
} from './persist.js';
import type { LocalChannelState } from './sync-session.js';
import type { GossipGraph } from './types.js';
import { compareKeys, isNodeAnnouncementRelayable } from './verify.js';

export interface LoadReport {
  channels: number;
  updates: number;
  nodes: number;
  /** Records that could not be read (deleted). */
  dropped: number;
}

/** Records about our own channels found in the store; they belong to OurChannels. */
export interface OwnRecords {
  privateUpdates: { shortChannelId: bigint; msg: ChannelUpdate }[];
  peerSignatures: AnnouncementSignatures[];
}

export class NetworkView {
  readonly db = new GossipDb();

  constructor(
    private readonly graph: GossipGraph,
    private readonly persistence: GossipPersistence,
  ) {}

  addChannel(
    msg: ChannelAnnouncement,
    raw: Uint8Array,
    capacitySat: bigint | undefined,
    receivedAtSec: number,
  ): void {
    this.db.addChannel({ msg, raw, capacitySat, receivedAtSec, updates: [undefined, undefined] });
    this.graph.addChannel({
      shortChannelId: msg.shortChannelId,
      node1: msg.nodeId1,
      node2: msg.nodeId2,
      capacitySat,
      features: Features.fromBytes(msg.features).toBits(),
    });
    this.persistence.put(
      keys.channel(msg.shortChannelId),
      encodeChannelRecord(raw, capacitySat, receivedAtSec),
    );
  }

  /** Records the latest update of a direction (`persist` false: it came from the store). */
  setUpdate(ch: StoredChannel, u: StoredUpdate, persist = true): void {
    const d = channelUpdateDirection(u.msg);
    ch.updates[d] = u;
    this.graph.updatePolicy(u.msg.shortChannelId, d, {
      feeBaseMsat: BigInt(u.msg.feeBaseMsat),
      feeProportionalMillionths: u.msg.feeProportionalMillionths,
      cltvExpiryDelta: u.msg.cltvExpiryDelta,
      htlcMinimumMsat: u.msg.htlcMinimumMsat,
      htlcMaximumMsat: u.msg.htlcMaximumMsat,
      disabled: (u.msg.channelFlags & CHANNEL_FLAG_DISABLE) !== 0,
      timestamp: u.msg.timestamp,
    });
    if (persist) this.persistence.put(keys.update(u.msg.shortChannelId, d), u.raw);
  }

  /** Records a node_announcement; returns whether it may be relayed. */
  setNode(msg: NodeAnnouncement, raw: Uint8Array, persist = true): boolean {
    const relayable = isNodeAnnouncementRelayable(msg);
    this.db.setNode({ msg, raw, relayable });
    this.graph.setNodeInfo(msg.nodeId, {
      alias: aliasToString(msg.alias),
      features: Features.fromBytes(msg.features).toBits(),
    });
    if (persist) this.persistence.put(keys.node(msg.nodeId), raw);
    return relayable;
  }

  /** Forgets a channel, and the node announcements of nodes left without channels. */
  removeChannel(scid: bigint): boolean {
    if (!this.db.channels.has(scid)) return false;
    const orphans = this.db.removeChannel(scid);
    this.graph.removeChannel(scid);
    this.persistence.delete(keys.channel(scid));
    this.persistence.delete(keys.update(scid, 0));
    this.persistence.delete(keys.update(scid, 1));
    // BOLT 7: "if the announced node no longer has any associated open channels: ... MAY prune
    // nodes added through `node_announcement` messages from their local view."
    for (const hex of orphans) {
      const node = this.db.nodes.get(hex);
      if (node === undefined) continue;
      this.db.nodes.delete(hex);
      this.persistence.delete(keys.node(node.msg.nodeId));
    }
    return true;
  }

  /**
   * Channels to prune at `nowSec`. BOLT 7: "if the `timestamp` of the latest `channel_update` in
   * either direction is older than two weeks (1209600 seconds): ... MAY prune the channel." A
   * direction without any update counts as stale once the announcement itself is that old
   * (before then its first update may still be on its way). `keep` exempts channels (ours).
   */
  staleChannels(nowSec: number, staleAfterSec: number, keep: (ch: StoredChannel) => boolean): bigint[] {
    const limit = nowSec - staleAfterSec;
    const out: bigint[] = [];
    for (const [scid, ch] of this.db.channels) {
      if (keep(ch)) continue;
      const staleUpdate = ch.updates.some((u) => u !== undefined && u.msg.timestamp < limit);
      const missing = ch.updates.some((u) => u === undefined);
      if (staleUpdate || (missing && ch.receivedAtSec < limit)) out.push(scid);
    }
    return out;
  }

  /** What range sync compares with a peer's reply. */
  localState(scid: bigint): LocalChannelState | undefined {
    const ch = this.db.channels.get(scid);
    if (ch === undefined) return undefined;
    const [a, b] = ch.updates;
    return {
      timestamps: [a?.msg.timestamp ?? 0, b?.msg.timestamp ?? 0],
      checksums: [a?.checksum ?? 0, b?.checksum ?? 0],
    };
  }

  /**
   * Loads the stored gossip into the db and the graph (signatures are not checked again: the
   * store holds only what was verified). Unreadable records are deleted.
   */
  async load(): Promise<{ report: LoadReport; own: OwnRecords }> {
    const report: LoadReport = { channels: 0, updates: 0, nodes: 0, dropped: 0 };
    const own: OwnRecords = { privateUpdates: [], peerSignatures: [] };
    type Entry = { key: string; value: Uint8Array; scid: bigint; direction: 0 | 1 };
    const byKind: Record<string, Entry[]> = {};
    for (const e of await this.persistence.loadAll()) {
      const k = parseKey(e.key);
      if (k === undefined) continue;
      const entry = {
        key: e.key,
        value: e.value,
        scid: 'scid' in k ? k.scid : 0n,
        direction: 'direction' in k ? k.direction : 0,
      } as Entry;
      const list = byKind[k.kind] ?? [];
      list.push(entry);
      byKind[k.kind] = list;
    }
    const drop = (key: string) => {
      report.dropped++;
      this.persistence.delete(key);
    };
    // Channels first: updates and node announcements need them.
    for (const e of byKind.channel ?? []) {
      const rec = decodeChannelRecord(e.value);
      const msg = rec === undefined ? undefined : decodeAs(rec.raw, 'channel_announcement');
      if (
        rec === undefined ||
        msg === undefined ||
        msg.shortChannelId !== e.scid ||
        compareKeys(msg.nodeId1, msg.nodeId2) >= 0
      ) {
        drop(e.key);
        continue;
      }
      this.db.addChannel({
        msg,
        raw: rec.raw,
        capacitySat: rec.capacitySat,
        receivedAtSec: rec.receivedAtSec,
        updates: [undefined, undefined],
      });
      this.graph.addChannel({
        shortChannelId: msg.shortChannelId,
        node1: msg.nodeId1,
        node2: msg.nodeId2,
        capacitySat: rec.capacitySat,
        features: Features.fromBytes(msg.features).toBits(),
      });
      report.channels++;
    }
    for (const e of byKind.update ?? []) {
      const msg = decodeAs(e.value, 'channel_update');
      const ch = this.db.channels.get(e.scid);
      if (
        msg === undefined ||
        ch === undefined ||
        msg.shortChannelId !== e.scid ||
        channelUpdateDirection(msg) !== e.direction
      ) {
        drop(e.key);
        continue;
      }
      this.setUpdate(ch, storedUpdate(msg, e.value), false);
      report.updates++;
    }
    for (const e of byKind.node ?? []) {
      const msg = decodeAs(e.value, 'node_announcement');
      if (msg === undefined || !this.db.hasNodeChannels(msg.nodeId)) {
        drop(e.key);
        continue;
      }
      this.setNode(msg, e.value, false);
      report.nodes++;
    }
    for (const e of byKind.privateUpdate ?? []) {
      const msg = decodeAs(e.value, 'channel_update');
      if (msg === undefined || channelUpdateDirection(msg) !== e.direction) drop(e.key);
      else own.privateUpdates.push({ shortChannelId: e.scid, msg });
    }
    for (const e of byKind.peerAnnouncementSignatures ?? []) {
      const msg = decodeAs(e.value, 'announcement_signatures');
      if (msg === undefined || msg.shortChannelId !== e.scid) drop(e.key);
      else own.peerSignatures.push(msg);
    }
    return { report, own };
  }
}

type KindOf<K extends WireMessage['kind']> = Extract<WireMessage, { kind: K }>;

function decodeAs<K extends WireMessage['kind']>(raw: Uint8Array, kind: K): KindOf<K> | undefined {
  const r = decodeMessage(raw);
  return r.ok && r.value.kind === kind ? (r.value as KindOf<K>) : undefined;
}
