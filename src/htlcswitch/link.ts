// src/htlcswitch/link.ts: the narrow view of a channel the switch needs, and the inputs the channel
// layer feeds the switch. The channel layer implements `ChannelLink`; the switch never sees
// commitments, signatures or peers, only HTLCs that are committed and their resolutions.
import type { ForwardingPolicy } from './policy.js';

/** An HTLC we ask a channel to offer to its peer. */
export interface AddHtlcRequest {
  amountMsat: bigint;
  paymentHash: Uint8Array;
  cltvExpiry: number;
  /** The 1366-byte onion_routing_packet for the peer. */
  onion: Uint8Array;
  /**
   * Opaque bytes the channel MUST persist with the outgoing HTLC, atomically with the HTLC itself,
   * and return from `outgoingHtlcIdByOrigin`: after a crash between this call and the switch
   * recording the HTLC id, they are how the switch finds its HTLC again.
   */
  origin: Uint8Array;
}

/** Why a channel refused to add an HTLC now. */
export type AddRefusal =
  /** The peer is not connected, or the channel is not reestablished. */
  | 'link_down'
  /** Not enough spendable balance (reserve, commitment fee and fee-spike buffer included). */
  | 'insufficient_balance'
  /** The peer's max_accepted_htlcs or max_htlc_value_in_flight_msat would be exceeded. */
  | 'htlc_limits'
  /** The HTLC would push dust exposure over the channel's limit. */
  | 'dust_exposure'
  /** Below the peer's htlc_minimum_msat. */
  | 'below_peer_minimum'
  /** The channel is shutting down or closed: it will never take an HTLC again. */
  | 'closing';

export type AddHtlcResult = { kind: 'accepted'; htlcId: bigint } | { kind: 'refused'; reason: AddRefusal };

/**
 * One channel, as the switch drives it. Every method that removes an HTLC must be idempotent: after
 * a restart the switch repeats resolutions it cannot prove were recorded, and a second call for an
 * HTLC already being removed (or removed) must be a no-op. Methods must not await calls into the
 * switch (the switch processes one input at a time and would wait for itself); report events later.
 */
export interface ChannelLink {
  /** The 32-byte channel_id: the key the switch stores circuits and forwards under. */
  readonly channelId: Uint8Array;
  /** The real short_channel_id once the funding confirmed. */
  readonly shortChannelId: bigint | undefined;
  /** short_channel_id aliases (option_scid_alias) the peer may use to name this channel. */
  readonly aliases: readonly bigint[];
  /** The peer's 33-byte node id. */
  readonly peerNodeId: Uint8Array;
  /** The peer is connected and the channel reestablished and open: an HTLC can be added now. */
  isUsable(): boolean;
  /** Our current forwarding parameters for this channel (those of our latest channel_update). */
  policy(): ForwardingPolicy;
  /**
   * The parameters our latest channel_update replaced, and when (unix ms); undefined if none.
   * Forwards that pay the old fee or CLTV delta are accepted for a grace period.
   */
  previousPolicy?(): { policy: ForwardingPolicy; replacedAt: number } | undefined;
  /** What an added HTLC may carry right now, after reserve, fees and in-flight HTLCs. */
  availableOutboundMsat(): bigint;
  /**
   * Our latest signed channel_update for this channel, encoded with its 2-byte type (as lnd and
   * Core Lightning put it in failures) and with `shortChannelId` in its short_channel_id field,
   * or empty bytes to leave it out of failures.
   */
  channelUpdate(shortChannelId: bigint): Uint8Array;
  /** Assigns the next HTLC id and queues the add (persisting it with `origin` before it is sent). */
  addHtlc(request: AddHtlcRequest): Promise<AddHtlcResult>;
  /** The id of the outgoing HTLC added with `origin` that the channel still knows, if any. */
  outgoingHtlcIdByOrigin(origin: Uint8Array): bigint | undefined;
  /** Settles an incoming HTLC (update_fulfill_htlc). */
  fulfillHtlc(htlcId: bigint, preimage: Uint8Array, attributionData?: Uint8Array): Promise<void>;
  /** Fails an incoming HTLC with an onion `reason` (update_fail_htlc). */
  failHtlc(htlcId: bigint, reason: Uint8Array, attributionData?: Uint8Array): Promise<void>;
  /** Fails an incoming HTLC whose onion we could not parse (update_fail_malformed_htlc). */
  failMalformedHtlc(htlcId: bigint, sha256OfOnion: Uint8Array, failureCode: number): Promise<void>;
}

/**
 * An incoming HTLC, irrevocably committed: BOLT 2: "until the corresponding HTLC is irrevocably
 * committed in both sides' commitment transactions:" nothing may remove it, so the channel layer
 * reports it only then. After a restart the channel layer reports again every incoming HTLC it has
 * not seen resolved; the switch treats repeats as no-ops.
 */
export interface IncomingHtlc {
  id: bigint;
  amountMsat: bigint;
  cltvExpiry: number;
  paymentHash: Uint8Array;
  onion: Uint8Array;
  /** `update_add_htlc`'s blinded path key, when present (ksnode relays no blinded paths). */
  pathKey?: Uint8Array;
  /**
   * The channel layer's verdict that this channel cannot keep the HTLC (e.g. it overflows our dust
   * exposure): the switch fails it back at once, with this channel's channel_update, instead of
   * forwarding or settling it. Judged once, when the HTLC is first committed (the answer depends on
   * what else was in flight then), so a report after a restart carries no verdict; and the switch
   * ignores it for an HTLC it already has a circuit or a held final-hop record for.
   */
  refuse?: IncomingRefusal;
}

/** Why the channel layer refuses an incoming HTLC it could not refuse before it was committed. */
export interface IncomingRefusal {
  /** What the upstream nodes see: the channel is fine, it cannot carry this HTLC now. */
  failure: 'temporary_channel_failure';
  /** For logs and the `forward_refused` event. */
  why: string;
}

/** How the peer, or the chain, removed an HTLC we had offered without a preimage. */
export type DownstreamFailure =
  /** update_fail_htlc: `reason` is the onion-encrypted return packet. */
  | { kind: 'fail'; reason: Uint8Array; attributionData?: Uint8Array }
  /** update_fail_malformed_htlc. */
  | { kind: 'malformed'; sha256OfOnion: Uint8Array; failureCode: number }
  /**
   * The HTLC can never be fulfilled any more: timed out on chain, absent from the commitment that
   * confirmed, or never sent before the channel closed.
   */
  | { kind: 'closed'; why: string };
