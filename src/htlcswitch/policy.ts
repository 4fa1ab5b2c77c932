// src/htlcswitch/policy.ts: what a channel asks of the HTLCs it forwards (its channel_update), the
// node-wide safety limits on forwarding, and their defaults. Defaults are picked so that routes
// built by lnd, LDK, Core Lightning and eclair senders pass (see ../shared/notes/ldk-0.1-interop.md).

/** One outgoing channel's forwarding parameters: the values its latest `channel_update` carries. */
export interface ForwardingPolicy {
  feeBaseMsat: bigint;
  feeProportionalMillionths: bigint;
  /** Blocks we subtract from an incoming HTLC's cltv_expiry when forwarding over this channel. */
  cltvExpiryDelta: number;
  htlcMinimumMsat: bigint;
  htlcMaximumMsat: bigint;
  /** The `disable` bit of our channel_update. */
  disabled: boolean;
}

/** Node-wide bounds on forwarded HTLCs, whatever the channel. */
export interface ForwardLimits {
  /**
   * expiry_too_soon: the outgoing HTLC must expire at least this many blocks after the tip, so that
   * we can still time it out on chain and fail the incoming one in time. lnd's outgoing CLTV reject
   * delta is 13 (its 10-block broadcast delta + 3); LDK's is 3.
   */
  minOutgoingCltvMargin: number;
  /**
   * expiry_too_far: BOLT 4's `max_htlc_cltv`, in blocks after the tip, for the outgoing HTLC (the
   * one that locks our funds). lnd and LDK both use 2016.
   */
  maxHtlcCltv: number;
  /**
   * When the outgoing channel is closed (or gone) and its HTLC unresolved, fail the incoming HTLC
   * back once it expires within this many blocks, before the upstream peer goes on chain. It
   * matches the channel layer's `fulfillSafetyBlocks` (12), the deadline we use when we hold a
   * preimage; lnd uses its 10-block incoming broadcast delta for the same purpose.
   */
  failBackBlocks: number;
  /** BOLT 7: "SHOULD keep accepting the previous channel parameters for 10 minutes" (ms). */
  previousPolicyGraceMs: number;
}

/** BOLT 4: "This `max_htlc_cltv` value is defined as 2016 blocks" */
export const MAX_HTLC_CLTV = 2016;

export const DEFAULT_FORWARD_LIMITS: Readonly<ForwardLimits> = Object.freeze({
  minOutgoingCltvMargin: 13,
  maxHtlcCltv: MAX_HTLC_CLTV,
  failBackBlocks: 12,
  previousPolicyGraceMs: 10 * 60 * 1000,
});

/**
 * Our default cltv_expiry_delta: lnd's 80. It is above LDK's 72 and Core Lightning's 34, so
 * routes other nodes build through us leave room for an on-chain timeout of the outgoing HTLC
 * (offered grace + confirmation) long before the incoming one expires.
 */
export const DEFAULT_CLTV_EXPIRY_DELTA = 80;
/** lnd's and LDK's default base fee. */
export const DEFAULT_FEE_BASE_MSAT = 1000n;
/** lnd's default (LDK's is 0). */
export const DEFAULT_FEE_PROPORTIONAL_MILLIONTHS = 1n;

/**
 * The fee this policy charges for forwarding `amountToForwardMsat`.
 * BOLT 7: "fee_base_msat + ( amount_to_forward * fee_proportional_millionths / 1000000 )"
 * (integer division, rounding down, as every implementation does).
 */
export function forwardingFeeMsat(policy: ForwardingPolicy, amountToForwardMsat: bigint): bigint {
  return policy.feeBaseMsat + (amountToForwardMsat * policy.feeProportionalMillionths) / 1_000_000n;
}
