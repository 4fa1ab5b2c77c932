// src/routing/probability.ts: the liquidity model. A channel direction's spendable liquidity is
// unknown; a priori it is uniform on [0, capacity], so an amount `a` gets through with probability
// (c + 1 - a) / (c + 1). What payments taught us (mission control, scorer.ts) narrows that range to
// [lower, upper]; each bound stays valid with a probability that halves every half-life, so the
// estimate is a mixture of the four combinations of "bound still holds / has decayed".

/** What the scorer learned about one channel direction. Amounts in msat, times in ms. */
export interface LiquidityEstimate {
  /** Liquidity was at least this (an HTLC of this size got through), or undefined. */
  lowerBoundMsat: number | undefined;
  lowerAtMs: number;
  /** Liquidity was at most this (an HTLC one msat larger failed), or undefined. */
  upperBoundMsat: number | undefined;
  upperAtMs: number;
}

/** How much of an observation made at `atMs` still holds at `nowMs`: 1 now, 1/2 after one half-life. */
export function decayWeight(atMs: number, nowMs: number, halfLifeMs: number): number {
  const dt = nowMs - atMs;
  return dt <= 0 ? 1 : 2 ** (-dt / halfLifeMs);
}

/** P(liquidity >= a) for liquidity uniform on [lower, upper]; an infinite upper bound knows nothing. */
function uniform(a: number, lower: number, upper: number): number {
  if (a <= lower) return 1;
  if (a > upper) return 0;
  if (upper === Number.POSITIVE_INFINITY) return 1;
  return (upper + 1 - a) / (upper + 1 - lower);
}

/**
 * Probability that a channel direction can carry `amountMsat` (plus whatever is already in flight
 * over it, which the caller adds to the amount). `capacityMsat` is Infinity when unknown (route hints).
 */
export function successProbability(
  amountMsat: number,
  capacityMsat: number,
  estimate: LiquidityEstimate | undefined,
  nowMs: number,
  halfLifeMs: number,
): number {
  if (amountMsat > capacityMsat) return 0;
  if (estimate === undefined) return uniform(amountMsat, 0, capacityMsat);
  const lo = estimate.lowerBoundMsat;
  const hi = estimate.upperBoundMsat;
  const wl = lo === undefined ? 0 : decayWeight(estimate.lowerAtMs, nowMs, halfLifeMs);
  const wh = hi === undefined ? 0 : decayWeight(estimate.upperAtMs, nowMs, halfLifeMs);
  const l = Math.min(lo ?? 0, capacityMsat);
  const h = Math.min(hi ?? capacityMsat, capacityMsat);
  let p = (1 - wl) * (1 - wh) * uniform(amountMsat, 0, capacityMsat);
  if (wl > 0) p += wl * (1 - wh) * uniform(amountMsat, l, capacityMsat);
  if (wh > 0) p += (1 - wl) * wh * uniform(amountMsat, 0, h);
  if (wl > 0 && wh > 0) p += wl * wh * (l <= h ? uniform(amountMsat, l, h) : amountMsat <= l ? 1 : 0);
  return p;
}

/** -ln of the a priori probability (c + 1 - a) / (c + 1), precise for a << c; Infinity above capacity. */
export function aprioriNegLogProbability(amountMsat: number, capacityMsat: number): number {
  if (amountMsat > capacityMsat) return Number.POSITIVE_INFINITY;
  if (capacityMsat === Number.POSITIVE_INFINITY) return 0;
  return -Math.log1p(-amountMsat / (capacityMsat + 1));
}
