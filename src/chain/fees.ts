// src/chain/fees.ts: fee-rate units and picking an estimate for a target.
//
// ksnode's unit is sat per 1000 weight units (sat/kw), BOLT 2 and 3's `feerate_per_kw`.
// 1 vbyte = 4 weight units, so 1 sat/vB = 250 sat/kw.

/** Bitcoin Core's default minimum relay fee (1 sat/vB) in sat/kw, rounded up as LDK does. */
export const FEERATE_FLOOR_SAT_PER_KW = 253n;

/** sat/vB (Esplora's unit, may be fractional) -> sat/kw, rounded down. */
export function satPerVbyteToSatPerKw(satPerVbyte: number): bigint {
  return BigInt(Math.floor(satPerVbyte * 250));
}

/** sat/kw -> sat/vB. */
export function satPerKwToSatPerVbyte(satPerKw: bigint): number {
  return Number(satPerKw) / 250;
}

/** BTC per 1000 vbytes (bitcoind's `estimatesmartfee`) -> sat/kw, rounded down. */
export function btcPerKvbToSatPerKw(btcPerKvb: number): bigint {
  const satPerKvb = BigInt(Math.round(btcPerKvb * 1e8));
  return satPerKvb / 4n;
}

/** The fee for `weight` weight units at `satPerKw`, rounded up so the rate is at least met. */
export function feeForWeight(weight: number, satPerKw: bigint): bigint {
  return (BigInt(weight) * satPerKw + 999n) / 1000n;
}

/**
 * The estimate for `target`: the one for the largest known target not above it (a faster
 * target is never cheaper), else the fastest known one; undefined if there are none.
 */
export function pickEstimate(estimates: ReadonlyMap<number, bigint>, target: number): bigint | undefined {
  let best: [number, bigint] | undefined;
  let fastest: [number, bigint] | undefined;
  for (const [t, rate] of estimates) {
    if (t <= target && (best === undefined || t > best[0])) best = [t, rate];
    if (fastest === undefined || t < fastest[0]) fastest = [t, rate];
  }
  return (best ?? fastest)?.[1];
}
