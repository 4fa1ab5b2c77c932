// src/channel/policy.ts: what we ask of a peer when opening a channel, and the bounds we accept
// from one. Defaults are chosen so that LDK, lnd, Core Lightning and eclair all accept them (see
// ../shared/notes/ldk-0.1-interop.md); each bound names the BOLT 2 rule it comes from.
import type { ChannelFormat } from './types.js';

/** Our channel parameters and acceptance bounds. */
export interface ChannelPolicy {
  // ----- what we send -----
  /** Our dust_limit_satoshis. LDK accepts [354, 546]; Core Lightning and eclair send 546. */
  dustLimitSat: bigint;
  /** Our htlc_minimum_msat. */
  htlcMinimumMsat: bigint;
  /** Our to_self_delay (the CSV on the peer's outputs). LDK sends 144 and accepts <= 2016. */
  toSelfDelay: number;
  /** Our max_accepted_htlcs. */
  maxAcceptedHtlcs: number;
  /**
   * Our max_htlc_value_in_flight_msat (what the peer may offer us in total at once) as a
   * percentage of the channel's capacity, 1..100. Default 100: the whole channel, as Core
   * Lightning's default (unlimited) amounts to. LDK's default is 10
   * (`max_inbound_htlc_value_in_flight_percent_of_channel`), which bounds what a peer can lock up
   * in HTLCs at the cost of the largest payment the channel can carry.
   */
  maxHtlcValueInFlightPercent: number;
  /** The reserve we ask of the peer: this percentage of the channel, at least `minReserveSat`. */
  reservePercent: number;
  minReserveSat: bigint;
  /** Our minimum_depth as fundee (devnet default 3). */
  minimumDepth: number;

  // ----- what we accept -----
  /** BOLT 2: "`dust_limit_satoshis` is smaller than `354 satoshis`" is a MUST-fail; above this is our choice. */
  maxRemoteDustLimitSat: bigint;
  /** BOLT 2: "`to_self_delay` is unreasonably large" (LDK's bound is 2016). */
  maxRemoteToSelfDelay: number;
  /** BOLT 2: "it considers `max_accepted_htlcs` too small." */
  minRemoteMaxAcceptedHtlcs: number;
  /** BOLT 2: "it considers `max_htlc_value_in_flight_msat` too small." (percent of the channel) */
  minRemoteMaxHtlcValueInFlightPercent: number;
  /** BOLT 2: "it considers `channel_reserve_satoshis` too large." (percent of the channel) */
  maxRemoteReservePercent: number;
  /** BOLT 2: "it considers `htlc_minimum_msat` too large." */
  maxRemoteHtlcMinimumMsat: bigint;
  /** BOLT 2: "if `minimum_depth` is unreasonably large: MAY fail the channel." (LDK: 144) */
  maxMinimumDepth: number;
  /** BOLT 2: "`funding_satoshis` is too small." */
  minFundingSat: bigint;
  /** BOLT 2: "it considers `feerate_per_kw` too small for timely processing or unreasonably large." */
  minFeeratePerKw: number;
  maxFeeratePerKw: number;
  /** Whether we accept option_anchors channels (we always accept static_remotekey). */
  acceptAnchors: boolean;
  /**
   * BOLT 2 `max_dust_htlc_exposure_msat`: the trimmed HTLC value we allow on either commitment,
   * fixed or following the feerate (see `dustExposureLimitMsat`).
   */
  maxDustHtlcExposure: DustExposureLimit;
  /**
   * BOLT 2 lets a receiver "MAY fail the channel" when an update_fee pushes the dust balance over
   * `max_dust_htlc_exposure_msat`. Off by default (eclair's `close-on-update-fee-overflow` is off
   * too): the update is accepted and new dust HTLCs are refused until the exposure falls.
   */
  closeOnUpdateFeeDustOverflow: boolean;
  /**
   * How far the peer's update_fee may sit from our own estimate (`chainFeerates.commitmentPerKw`)
   * before we call it "too low for timely processing, OR ... unreasonably large" (BOLT 2): below
   * estimate × low or above estimate × high. eclair's defaults (feerate-tolerance 0.5 and 10).
   */
  remoteFeerateTolerance: { low: number; high: number };
  /** The highest commitment feerate we set on an anchors channel (lnd's max-commit-fee-rate-anchors). */
  maxAnchorsCommitFeeratePerKw: number;
  /**
   * The chain's fee estimates as the driver last saw them, put here before each step (the machine
   * reads no chain). Absent (tests, before the first estimate): only the fixed bounds apply.
   */
  chainFeerates?: ChainFeerates;
  /** Our default closing feerate (sat/kw) when a closeChannel command does not give one. */
  closingFeeratePerKw: number;
  /** The lowest closing feerate we sign for (the bottom of our fee_range). */
  minClosingFeeratePerKw: number;
  /**
   * option_simple_close when we did not fund the channel. `always`: send closing_complete as soon as
   * the channel is clean (BOLT 2's SHOULD; each side pays for its own transaction and the two
   * conflicting transactions race to confirm). `whenFunderCannotPay` (default): leave the closing
   * fee to the funder, as the legacy protocol does ("the opener has an incentive to offer a
   * reasonable closing fee"), so that one transaction closes the channel; we still send ours when the
   * funder's balance cannot pay a fee at our closing feerate, or when the operator asks (closeChannel).
   */
  simpleCloseAsFundee: 'always' | 'whenFunderCannotPay';
  /**
   * Blocks after an outgoing HTLC's cltv_expiry before we go on chain to time it out (LDK's
   * LATENCY_GRACE_PERIOD_BLOCKS is 3).
   */
  offeredHtlcGraceBlocks: number;
  /** Blocks before an incoming HTLC's cltv_expiry at which we go on chain if we hold its preimage. */
  fulfillSafetyBlocks: number;
}

/**
 * BOLT 2 leaves `max_dust_htlc_exposure_msat` to "node policy". `fixed`: a constant. `feerateMultiplier`:
 * `multiplier` msat per sat/kw of the most urgent fee estimate (LDK 0.1's default is
 * `MaxDustHTLCExposure::FeeRateMultiplier(10_000)` on its `MaximumFeeEstimate`: 2,530,000 msat at
 * 253 sat/kw), so the cap grows when fees do and small HTLCs (which fees make dust) keep flowing.
 */
export type DustExposureLimit =
  | { kind: 'fixed'; msat: bigint }
  | { kind: 'feerateMultiplier'; multiplier: number };

/** The chain's fee estimates (sat/kw), each already floored at 253. */
export interface ChainFeerates {
  /** For commitments of non-anchors channels (the estimate our `update_fee` follows). */
  commitmentPerKw: number;
  /** For commitments of anchors channels: a long target, as they can be CPFP'd later. */
  anchorsPerKw: number;
  /** The most urgent estimate (LDK's MaximumFeeEstimate): scales a `feerateMultiplier` dust cap. */
  urgentPerKw: number;
}

/** LDK 0.1's default dust exposure multiplier (msat per sat/kw). */
export const DEFAULT_DUST_EXPOSURE_MULTIPLIER = 10_000;

/** BOLT 2: "`max_accepted_htlcs` is greater than 483." */
export const MAX_ACCEPTED_HTLCS_LIMIT = 483;
/** BOLT 2: "`dust_limit_satoshis` is smaller than `354 satoshis`" */
export const MIN_DUST_LIMIT_SAT = 354n;
/** The smallest feerate Bitcoin Core relays at (1 sat/vB, rounded up as LDK and lnd do). */
export const FEERATE_FLOOR_PER_KW = 253;
/** BOLT 2: "MUST set `cltv_expiry` less than 500000000." */
export const CLTV_EXPIRY_LIMIT = 500_000_000;
/** BOLT 2: "MUST set `funding_satoshis` to less than 2^24 satoshi." (without option_support_large_channel) */
export const LARGE_CHANNEL_SAT = 1n << 24n;

export const DEFAULT_POLICY: Readonly<ChannelPolicy> = Object.freeze({
  dustLimitSat: 546n,
  htlcMinimumMsat: 1n,
  toSelfDelay: 144,
  maxAcceptedHtlcs: 30,
  maxHtlcValueInFlightPercent: 100,
  reservePercent: 1,
  minReserveSat: 1_000n,
  minimumDepth: 3,
  maxRemoteDustLimitSat: 546n,
  maxRemoteToSelfDelay: 2016,
  minRemoteMaxAcceptedHtlcs: 5,
  minRemoteMaxHtlcValueInFlightPercent: 1,
  maxRemoteReservePercent: 20,
  maxRemoteHtlcMinimumMsat: 1_000_000n,
  maxMinimumDepth: 144,
  minFundingSat: 20_000n,
  minFeeratePerKw: FEERATE_FLOOR_PER_KW,
  maxFeeratePerKw: 200_000,
  acceptAnchors: true,
  maxDustHtlcExposure: { kind: 'feerateMultiplier' as const, multiplier: DEFAULT_DUST_EXPOSURE_MULTIPLIER },
  closeOnUpdateFeeDustOverflow: false,
  remoteFeerateTolerance: { low: 0.5, high: 10 },
  // lnd's default max-commit-fee-rate-anchors: 10 sat/vB.
  maxAnchorsCommitFeeratePerKw: 2_500,
  closingFeeratePerKw: FEERATE_FLOOR_PER_KW,
  minClosingFeeratePerKw: FEERATE_FLOOR_PER_KW,
  simpleCloseAsFundee: 'whenFunderCannotPay',
  offeredHtlcGraceBlocks: 3,
  fulfillSafetyBlocks: 12,
});

/** A policy with some fields replaced. */
export function policyWith(overrides: Partial<ChannelPolicy>): ChannelPolicy {
  return { ...DEFAULT_POLICY, ...overrides };
}

/**
 * Our `max_dust_htlc_exposure_msat` now. With a feerate multiplier it scales the urgent estimate
 * when the driver gave one, else `feeratePerKw` (the commitment's own feerate).
 */
export function dustExposureLimitMsat(policy: ChannelPolicy, feeratePerKw: number): bigint {
  const limit = policy.maxDustHtlcExposure;
  if (limit.kind === 'fixed') return limit.msat;
  const rate = policy.chainFeerates?.urgentPerKw ?? feeratePerKw;
  return BigInt(Math.round(limit.multiplier)) * BigInt(Math.max(rate, FEERATE_FLOOR_PER_KW));
}

/**
 * The ceiling of the peer's feerate never drops below 25 sat/vB, however low our estimate: LDK
 * (up to 0.0.12x) bounded update_fee by max(25 sat/vB, 10 × its estimate) the same way, so that
 * a peer whose estimator runs hotter than ours is not failed for it.
 */
export const MIN_REMOTE_FEERATE_CEILING_PER_KW = 6_250;

/**
 * The feerates we accept in the peer's update_fee. Non-anchors channels: within
 * `remoteFeerateTolerance` of our commitment estimate (when the driver gave one), inside the fixed
 * [minFeeratePerKw, maxFeeratePerKw]. Anchors channels: the fixed bounds only, since their
 * commitments are fee-bumped by CPFP at broadcast (LDK accepts down to a mempool-minimum estimate).
 */
export function acceptableRemoteFeerate(
  format: ChannelFormat,
  policy: ChannelPolicy,
): { min: number; max: number; fromEstimate: boolean } {
  const estimate = policy.chainFeerates?.commitmentPerKw;
  if (estimate === undefined || format === 'anchors')
    return { min: policy.minFeeratePerKw, max: policy.maxFeeratePerKw, fromEstimate: false };
  const t = policy.remoteFeerateTolerance;
  const min = Math.max(policy.minFeeratePerKw, Math.floor(estimate * t.low));
  const ceiling = Math.max(Math.ceil(estimate * t.high), MIN_REMOTE_FEERATE_CEILING_PER_KW);
  const max = Math.max(min, Math.min(policy.maxFeeratePerKw, ceiling));
  return { min, max, fromEstimate: true };
}

/** The reserve we ask the peer to keep: max(reservePercent of the channel, minReserveSat). */
export function reserveFor(fundingSat: bigint, policy: ChannelPolicy): bigint {
  const pct = (fundingSat * BigInt(Math.round(policy.reservePercent * 100))) / 10_000n;
  const r = pct > policy.minReserveSat ? pct : policy.minReserveSat;
  return r > fundingSat ? fundingSat : r;
}

/** The max_htlc_value_in_flight_msat we announce for a channel of this size. */
export function maxInFlightFor(fundingSat: bigint, policy: ChannelPolicy): bigint {
  return (fundingSat * 1000n * BigInt(Math.round(policy.maxHtlcValueInFlightPercent * 100))) / 10_000n;
}

/**
 * A shutdown scriptpubkey form BOLT 2 allows: P2WPKH, P2WSH, with option_shutdown_anysegwit any
 * witness program of version 1..16, and with option_simple_close a single-push OP_RETURN.
 */
export function isValidShutdownScript(script: Uint8Array, anySegwit: boolean, simpleClose = false): boolean {
  // BOLT 2: "`OP_0` `20` 20-bytes (version 0 pay to witness pubkey hash), OR"
  if (script.length === 22 && script[0] === 0x00 && script[1] === 20) return true;
  // BOLT 2: "`OP_0` `32` 32-bytes (version 0 pay to witness script hash), OR"
  if (script.length === 34 && script[0] === 0x00 && script[1] === 32) return true;
  // BOLT 2: "if (and only if) `option_simple_close` is negotiated:" ... "`OP_RETURN` followed by one of:"
  if (simpleClose && script[0] === 0x6a) {
    const n = script[1] ?? 0;
    // BOLT 2: "`6` to `75` inclusive followed by exactly that many bytes"
    if (n >= 6 && n <= 75) return script.length === n + 2;
    // BOLT 2: "`76` followed by `76` to `80` followed by exactly that many bytes"
    const m = script[2] ?? 0;
    return n === 76 && m >= 76 && m <= 80 && script.length === m + 3;
  }
  if (!anySegwit) return false;
  // BOLT 2: "`OP_1` through `OP_16` inclusive, followed by a single push of 2 to 40 bytes"
  const v = script[0] ?? 0;
  const n = script[1] ?? 0;
  return v >= 0x51 && v <= 0x60 && n >= 2 && n <= 40 && script.length === n + 2;
}
