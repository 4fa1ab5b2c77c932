// src/channel/policy.ts: what we ask of a peer when opening a channel, and the bounds we accept
// from one. Defaults are chosen so that LDK, lnd, Core Lightning and eclair all accept them (see
// ../shared/notes/ldk-0.1-interop.md); each bound names the BOLT 2 rule it comes from.

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
  /** Our max_htlc_value_in_flight_msat as a percentage of the channel. */
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
  /** BOLT 2 max_dust_htlc_exposure_msat: the trimmed HTLC value we allow on either commitment. */
  maxDustHtlcExposureMsat: bigint;
  /** Our default closing feerate (sat/kw) when a closeChannel command does not give one. */
  closingFeeratePerKw: number;
  /** The lowest closing feerate we sign for (the bottom of our fee_range). */
  minClosingFeeratePerKw: number;
  /**
   * Blocks after an outgoing HTLC's cltv_expiry before we go on chain to time it out (LDK's
   * LATENCY_GRACE_PERIOD_BLOCKS is 3).
   */
  offeredHtlcGraceBlocks: number;
  /** Blocks before an incoming HTLC's cltv_expiry at which we go on chain if we hold its preimage. */
  fulfillSafetyBlocks: number;
}

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
  maxDustHtlcExposureMsat: 5_000_000n,
  closingFeeratePerKw: FEERATE_FLOOR_PER_KW,
  minClosingFeeratePerKw: FEERATE_FLOOR_PER_KW,
  offeredHtlcGraceBlocks: 3,
  fulfillSafetyBlocks: 12,
});

/** A policy with some fields replaced. */
export function policyWith(overrides: Partial<ChannelPolicy>): ChannelPolicy {
  return { ...DEFAULT_POLICY, ...overrides };
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
 * A shutdown scriptpubkey form BOLT 2 allows: P2WPKH, P2WSH, and with option_shutdown_anysegwit
 * any witness program of version 1..16.
 */
export function isValidShutdownScript(script: Uint8Array, anySegwit: boolean): boolean {
  // BOLT 2: "`OP_0` `20` 20-bytes (version 0 pay to witness pubkey hash), OR"
  if (script.length === 22 && script[0] === 0x00 && script[1] === 20) return true;
  // BOLT 2: "`OP_0` `32` 32-bytes (version 0 pay to witness script hash), OR"
  if (script.length === 34 && script[0] === 0x00 && script[1] === 32) return true;
  if (!anySegwit) return false;
  // BOLT 2: "`OP_1` through `OP_16` inclusive, followed by a single push of 2 to 40 bytes"
  const v = script[0] ?? 0;
  const n = script[1] ?? 0;
  return v >= 0x51 && v <= 0x60 && n >= 2 && n <= 40 && script.length === n + 2;
}
