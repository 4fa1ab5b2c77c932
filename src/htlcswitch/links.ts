// src/htlcswitch/links.ts: the registered channel links, found by channel id or by any
// short_channel_id (real or alias), and which channels are closed; how a forward decision sees one.
import { bytesToHex, equalBytes } from '../crypto/index.js';
import type { OutgoingChannelView } from './decide.js';
import type { ChannelLink } from './link.js';

export class LinkTable {
  private readonly links = new Map<string, ChannelLink>();
  private readonly scids = new Map<bigint, string>();
  private readonly closed = new Set<string>();

  constructor(
    private readonly now: () => number,
    private readonly previousPolicyGraceMs: number,
  ) {}

  /** Registers a link, replacing any earlier one for the same channel. */
  register(link: ChannelLink): void {
    const id = bytesToHex(link.channelId);
    this.remove(link.channelId);
    this.links.set(id, link);
    if (link.shortChannelId !== undefined) this.scids.set(link.shortChannelId, id);
    for (const a of link.aliases) this.scids.set(a, id);
  }

  remove(channelId: Uint8Array): void {
    const id = bytesToHex(channelId);
    this.links.delete(id);
    for (const [scid, owner] of this.scids) if (owner === id) this.scids.delete(scid);
  }

  get(channelId: Uint8Array): ChannelLink | undefined {
    return this.links.get(bytesToHex(channelId));
  }

  /** Marks a channel closed (by hex id, as stored); it keeps its link for resolving HTLCs. */
  markClosed(channelIdHex: string): void {
    this.closed.add(channelIdHex);
  }

  isClosed(channelId: Uint8Array): boolean {
    return this.closed.has(bytesToHex(channelId));
  }

  /** The channel can carry no HTLC resolution off chain: closed, or no longer registered. */
  isStranded(channelId: Uint8Array): boolean {
    return this.isClosed(channelId) || this.get(channelId) === undefined;
  }

  /**
   * How a forward decision sees `link` when the HTLC goes out over `shortChannelId`. The
   * channel_update is read only if a failure needs it (it may have to be signed).
   */
  view(link: ChannelLink, shortChannelId: bigint): OutgoingChannelView {
    let update: Uint8Array | undefined;
    const v: OutgoingChannelView = {
      shortChannelId,
      usable: link.isUsable(),
      policy: link.policy(),
      availableOutboundMsat: link.availableOutboundMsat(),
      get channelUpdate(): Uint8Array {
        update ??= link.channelUpdate(shortChannelId);
        return update;
      },
    };
    const previous = link.previousPolicy?.();
    // BOLT 7: "SHOULD keep accepting the previous channel parameters for 10 minutes"
    if (previous !== undefined && this.now() - previous.replacedAt < this.previousPolicyGraceMs) {
      v.previousPolicy = previous.policy;
    }
    return v;
  }

  /** The link a short_channel_id names and its view: undefined if unknown, 'closed' if closed. */
  lookup(shortChannelId: bigint): { link?: ChannelLink; view: OutgoingChannelView | 'closed' | undefined } {
    const id = this.scids.get(shortChannelId);
    const link = id === undefined ? undefined : this.links.get(id);
    if (id === undefined || link === undefined) return { view: undefined };
    if (this.closed.has(id)) return { view: 'closed' };
    return { link, view: this.view(link, shortChannelId) };
  }

  /** The other open channels with `link`'s peer, each with a short_channel_id to name it by. */
  samePeer(link: ChannelLink): { link: ChannelLink; shortChannelId: bigint }[] {
    const out: { link: ChannelLink; shortChannelId: bigint }[] = [];
    for (const [id, other] of this.links) {
      if (other === link || this.closed.has(id) || !equalBytes(other.peerNodeId, link.peerNodeId)) continue;
      const shortChannelId = other.shortChannelId ?? other.aliases[0];
      if (shortChannelId !== undefined) out.push({ link: other, shortChannelId });
    }
    return out;
  }
}
