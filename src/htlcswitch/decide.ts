// src/htlcswitch/decide.ts: may this HTLC go out over that channel? The forwarding node's checks of
// BOLT 4 "Failure Messages", each answered with the exact failure the origin should receive.
// Pure: no store, no clock, no randomness; the caller gathers the channel's state.
import type { ForwardHopPayload, OnionFailureOf } from '../onion/index.js';
import { type ForwardingPolicy, type ForwardLimits, forwardingFeeMsat } from './policy.js';

/** The terms of the incoming `update_add_htlc`. */
export interface IncomingTerms {
  amountMsat: bigint;
  cltvExpiry: number;
}

/** What the decision needs to know about one open outgoing channel. */
export interface OutgoingChannelView {
  /** The short_channel_id the forward would go out on (real or alias). */
  shortChannelId: bigint;
  /** The peer is connected and the channel reestablished: an HTLC can be added now. */
  usable: boolean;
  policy: ForwardingPolicy;
  /**
   * The policy our latest channel_update replaced, while its grace period lasts: fees and CLTV
   * deltas it allowed are still accepted.
   */
  previousPolicy?: ForwardingPolicy;
  /** What we can still add to this channel right now (after reserve and in-flight HTLCs). */
  availableOutboundMsat: bigint;
  /**
   * Our latest signed channel_update for the channel, carrying the short_channel_id the onion
   * named, or empty bytes (BOLT 4 allows a zero `len`).
   */
  channelUpdate: Uint8Array;
}

/** The failures a forwarding decision can return. */
export type ForwardFailureName =
  | 'unknown_next_peer'
  | 'permanent_channel_failure'
  | 'channel_disabled'
  | 'temporary_channel_failure'
  | 'amount_below_minimum'
  | 'fee_insufficient'
  | 'incorrect_cltv_expiry'
  | 'expiry_too_soon'
  | 'expiry_too_far';

export type ForwardFailure = { [N in ForwardFailureName]: OnionFailureOf<N> }[ForwardFailureName];

export type ForwardDecision =
  | {
      kind: 'forward';
      shortChannelId: bigint;
      /** The outgoing HTLC's amount: the payload's amt_to_forward. */
      amountMsat: bigint;
      /** The outgoing HTLC's cltv_expiry: the payload's outgoing_cltv_value. */
      cltvExpiry: number;
      /** What we earn: incoming amount minus outgoing amount. */
      feeMsat: bigint;
    }
  | { kind: 'fail'; failure: ForwardFailure; reason: string };

/** Whether a failure says something about the channel's state rather than the HTLC's terms. */
export function isChannelStateFailure(f: ForwardFailure): boolean {
  return f.name === 'temporary_channel_failure' || f.name === 'channel_disabled';
}

/**
 * Decides whether the HTLC described by `incoming` and its peeled `payload` may be forwarded over
 * `outgoing` (undefined: no such channel; 'closed': the channel was closed) at `currentHeight`.
 *
 * Order: a missing or closed channel first, then the channel's state (disabled, not usable), then
 * the HTLC's terms in the order BOLT 4 lists their codes (11 amount_below_minimum, 12
 * fee_insufficient, 13 incorrect_cltv_expiry, 14 expiry_too_soon, 21 expiry_too_far), and the
 * balance last. BOLT 4 asks to "SHOULD select the first error it encounters from the list above";
 * channel_disabled (code 20) comes early, as in lnd and LDK, because no terms can pass a channel
 * that carries nothing, and telling the sender so spares it a retry.
 */
export function decideForward(
  incoming: IncomingTerms,
  payload: ForwardHopPayload,
  outgoing: OutgoingChannelView | 'closed' | undefined,
  currentHeight: number,
  limits: ForwardLimits,
): ForwardDecision {
  const fail = (failure: ForwardFailure, reason: string): ForwardDecision => ({
    kind: 'fail',
    failure,
    reason,
  });
  const amountMsat = payload.amtToForwardMsat;
  const cltvExpiry = payload.outgoingCltvValue;

  // BOLT 4: "if the receiving peer specified by the onion is NOT known:"
  // "return an `unknown_next_peer` error."
  if (outgoing === undefined) {
    return fail({ name: 'unknown_next_peer' }, `no channel with short_channel_id ${payload.shortChannelId}`);
  }
  // BOLT 4: "if an otherwise unspecified, permanent error occurs during forwarding to its
  // receiving peer (e.g. channel recently closed):" "return a `permanent_channel_failure` error."
  if (outgoing === 'closed') {
    return fail(
      { name: 'permanent_channel_failure' },
      `channel ${payload.shortChannelId} is closed or closing`,
    );
  }
  const { policy } = outgoing;
  // Read only for a failure that carries it: a link may have to sign it first.
  const update = (): Uint8Array => outgoing.channelUpdate;
  // BOLT 4: "if the channel is disabled:" "report the current channel setting for the outgoing
  // channel." "return a `channel_disabled` error." No `disabled_flags` are defined: they are zero.
  if (policy.disabled) {
    return fail(
      { name: 'channel_disabled', disabledFlags: 0, channelUpdate: update() },
      'the channel is disabled',
    );
  }
  // BOLT 4: "if during forwarding to its receiving peer, an otherwise unspecified, transient
  // error occurs in the outgoing channel" "return a `temporary_channel_failure` error."
  if (!outgoing.usable) {
    return fail(
      { name: 'temporary_channel_failure', channelUpdate: update() },
      'the peer is not connected or the channel is not ready',
    );
  }
  // BOLT 4: "if the HTLC amount is less than the currently specified minimum amount:"
  // "report the amount of the outgoing HTLC and the current channel setting for the outgoing channel."
  if (amountMsat < policy.htlcMinimumMsat) {
    return fail(
      { name: 'amount_below_minimum', htlcMsat: amountMsat, channelUpdate: update() },
      `amount ${amountMsat} msat is below htlc_minimum_msat ${policy.htlcMinimumMsat}`,
    );
  }
  // BOLT 7: "MUST set `htlc_maximum_msat` to the maximum value it will send through this channel
  // for a single HTLC." Above it is a transient failure of the channel (as lnd reports it).
  if (amountMsat > policy.htlcMaximumMsat) {
    return fail(
      { name: 'temporary_channel_failure', channelUpdate: update() },
      `amount ${amountMsat} msat is above htlc_maximum_msat ${policy.htlcMaximumMsat}`,
    );
  }
  const policies = outgoing.previousPolicy === undefined ? [policy] : [policy, outgoing.previousPolicy];
  const feeMsat = incoming.amountMsat - amountMsat;
  // BOLT 4: "incoming `amount_msat` - `fee` < `amt_to_forward` (where `fee` is the advertised fee"
  // BOLT 7: "SHOULD accept HTLCs that pay an older fee, for some reasonable time after"
  if (!policies.some((p) => feeMsat >= forwardingFeeMsat(p, amountMsat))) {
    // BOLT 4: "if the HTLC does NOT pay a sufficient fee:" "report the amount of the incoming
    // HTLC and the current channel setting for the outgoing channel."
    return fail(
      { name: 'fee_insufficient', htlcMsat: incoming.amountMsat, channelUpdate: update() },
      `fee ${feeMsat} msat is below the ${forwardingFeeMsat(policy, amountMsat)} msat required`,
    );
  }
  // BOLT 4: "if the incoming `cltv_expiry` minus the `outgoing_cltv_value` is below the
  // `cltv_expiry_delta` for the outgoing channel:" "report the `cltv_expiry` of the outgoing HTLC
  // and the current channel setting for the outgoing channel."
  const delta = incoming.cltvExpiry - cltvExpiry;
  if (!policies.some((p) => delta >= p.cltvExpiryDelta)) {
    return fail(
      { name: 'incorrect_cltv_expiry', cltvExpiry, channelUpdate: update() },
      `cltv delta ${delta} is below cltv_expiry_delta ${policy.cltvExpiryDelta}`,
    );
  }
  // BOLT 4: "if the `cltv_expiry` is unreasonably near the present:" "report the current channel
  // setting for the outgoing channel." "return an `expiry_too_soon` error."
  if (cltvExpiry - currentHeight < limits.minOutgoingCltvMargin) {
    return fail(
      { name: 'expiry_too_soon', channelUpdate: update() },
      `outgoing cltv_expiry ${cltvExpiry} is less than ${limits.minOutgoingCltvMargin} blocks after height ${currentHeight}`,
    );
  }
  // BOLT 4: "if the `cltv_expiry` is more than `max_htlc_cltv` in the future:"
  // "return an `expiry_too_far` error." Checked on the outgoing HTLC, whose expiry locks our funds.
  if (cltvExpiry - currentHeight > limits.maxHtlcCltv) {
    return fail(
      { name: 'expiry_too_far' },
      `outgoing cltv_expiry ${cltvExpiry} is more than ${limits.maxHtlcCltv} blocks after height ${currentHeight}`,
    );
  }
  // BOLT 4: "transient error occurs in the outgoing channel (e.g. channel capacity reached,"
  if (amountMsat > outgoing.availableOutboundMsat) {
    return fail(
      { name: 'temporary_channel_failure', channelUpdate: update() },
      `amount ${amountMsat} msat exceeds the ${outgoing.availableOutboundMsat} msat available in the channel`,
    );
  }
  return { kind: 'forward', shortChannelId: outgoing.shortChannelId, amountMsat, cltvExpiry, feeMsat };
}
