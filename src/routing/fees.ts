// src/routing/fees.ts: the BOLT 7 forwarding fee, exactly, in bigint (for routes) and in doubles (for
// the search loop, where allocating a bigint per edge would dominate the run time).

/**
 * The fee a node asks to forward `amountToForwardMsat` over a channel.
 * BOLT 7: "fee_base_msat + ( amount_to_forward * fee_proportional_millionths / 1000000 )" (integer
 * division, as every implementation rounds down).
 */
export function forwardingFeeMsat(
  amountToForwardMsat: bigint,
  feeBaseMsat: bigint,
  feeProportionalMillionths: number,
): bigint {
  return feeBaseMsat + (amountToForwardMsat * BigInt(feeProportionalMillionths)) / 1_000_000n;
}

/**
 * The same fee in doubles, exact while the amount and the fee stay below 2^53 msat: the amount is split
 * at 10^6 so that no intermediate product exceeds 2^53 for a u32 rate.
 */
export function forwardingFeeMsatNumber(
  amountToForwardMsat: number,
  feeBaseMsat: number,
  feeProportionalMillionths: number,
): number {
  const lo = amountToForwardMsat % 1e6;
  const hi = (amountToForwardMsat - lo) / 1e6;
  const t = lo * feeProportionalMillionths;
  return feeBaseMsat + hi * feeProportionalMillionths + (t - (t % 1e6)) / 1e6;
}
