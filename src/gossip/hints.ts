// src/gossip/hints.ts: BOLT 11 route hints for our private channels, so that payers can reach us
// through a channel the network does not know. Each hint is one hop: from the peer to us, priced
// with what the peer charges to forward over that channel (its channel_update, sent to us directly).
import type { RouteHint, RouteHintHop } from '../invoice/index.js';

/** What a hint needs to know about one of our channels. */
export interface HintChannel {
  /** The id the peer forwards on: the real short channel id, or the alias we gave the peer. */
  shortChannelId: bigint;
  peerNodeId: Uint8Array;
  /** Announced channels need no hint. */
  announced: boolean;
  /** Whether the channel can carry a payment now (ready, peer connected). */
  active: boolean;
  /** How much the peer can still send us over it; hints are ordered by it, largest first. */
  inboundMsat?: bigint;
  /** The peer's policy for forwarding to us, from its channel_update; undefined if none yet. */
  peerPolicy?: {
    feeBaseMsat: bigint;
    feeProportionalMillionths: number;
    cltvExpiryDelta: number;
    disabled: boolean;
  };
}

export interface HintDefaults {
  feeBaseMsat: bigint;
  feeProportionalMillionths: number;
  cltvExpiryDelta: number;
}

/**
 * Used when the peer has not told us its policy. Paying more fee or CLTV than asked is fine and
 * less is fatal, so these sit above common defaults (LDK 1000 msat + 0 ppm, 72 blocks; lnd
 * 1000 msat + 1 ppm, 80 blocks).
 */
export const DEFAULT_HINT_POLICY: Readonly<HintDefaults> = Object.freeze({
  feeBaseMsat: 1000n,
  feeProportionalMillionths: 100,
  cltvExpiryDelta: 144,
});

/** At most this many hints by default: each costs 51 bytes of invoice. */
export const DEFAULT_MAX_HINTS = 8;

/**
 * One single-hop route hint per active private channel whose peer has not disabled it, largest
 * inbound first. BOLT 11: "for each entry, the `pubkey` is the node ID of the start of the channel".
 */
export function routeHintsForInvoice(
  channels: readonly HintChannel[],
  defaults: HintDefaults = DEFAULT_HINT_POLICY,
  maxHints = DEFAULT_MAX_HINTS,
): RouteHint[] {
  const usable = channels.filter((c) => !c.announced && c.active && c.peerPolicy?.disabled !== true);
  usable.sort((a, b) => {
    const x = a.inboundMsat ?? 0n;
    const y = b.inboundMsat ?? 0n;
    return x > y ? -1 : x < y ? 1 : 0;
  });
  return usable.slice(0, maxHints).map((c): RouteHint => {
    const p = c.peerPolicy ?? defaults;
    const hop: RouteHintHop = {
      pubkey: c.peerNodeId,
      shortChannelId: c.shortChannelId,
      feeBaseMsat: p.feeBaseMsat,
      feeProportionalMillionths: p.feeProportionalMillionths,
      cltvExpiryDelta: p.cltvExpiryDelta,
    };
    return [hop];
  });
}
