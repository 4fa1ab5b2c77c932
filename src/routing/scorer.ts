// src/routing/scorer.ts: mission control. Learns liquidity bounds per channel direction from payment
// outcomes, so that a retry avoids the channel that just failed and a channel that carried a payment
// is trusted with similar amounts. Pure: the caller passes the time; nothing here reads a clock.
import { decayWeight, type LiquidityEstimate, successProbability } from './probability.js';

export interface ScorerParams {
  /** Time after which half of what an observation taught is forgotten. */
  halfLifeMs: number;
}

export const DEFAULT_SCORER_PARAMS: Readonly<ScorerParams> = { halfLifeMs: 60 * 60 * 1000 };

/** A hop of a tried path, as a `RouteHop` carries it: the channel carried amtToForwardMsat + feeMsat. */
export interface PathHop {
  shortChannelId: bigint;
  /** The channel_update direction of the hop (0: from node_id_1 towards node_id_2). */
  direction: 0 | 1;
  amtToForwardMsat: bigint;
  feeMsat: bigint;
}

/** An observation older than this many half-lives is dropped by `prune`. */
const PRUNE_HALF_LIVES = 10;
/** A weaker, fresher observation replaces a stronger one once the stronger has lost half its weight. */
const REPLACE_BELOW_WEIGHT = 0.5;

function key(scid: bigint, direction: 0 | 1): bigint {
  return (scid << 1n) | BigInt(direction);
}

/**
 * Per channel direction, a lower bound (an HTLC that got through) and an upper bound (one that
 * failed for lack of liquidity), each with the time it was learned. Pathfinding reads the estimates
 * through {@link Scorer.estimates}; `successProbability` shows what they mean for an amount.
 */
export class Scorer {
  readonly params: Readonly<ScorerParams>;
  private readonly table = new Map<bigint, LiquidityEstimate>();

  constructor(params: Partial<ScorerParams> = {}) {
    this.params = { ...DEFAULT_SCORER_PARAMS, ...params };
    if (!(this.params.halfLifeMs > 0)) throw new RangeError('halfLifeMs: expected > 0');
  }

  /**
   * A payment along `path` failed at `failingChannel` (the channel the erring node could not forward
   * over), or at the recipient when `failingChannel` is undefined. Hops before the failure carried
   * the HTLC, so their lower bounds rise; the failing channel's upper bound drops below the amount
   * it was asked to carry. Returns false, learning nothing, if `failingChannel` is not on the path.
   */
  paymentFailed(path: readonly PathHop[], failingChannel: bigint | undefined, nowMs: number): boolean {
    const at =
      failingChannel === undefined ? path.length : path.findIndex((h) => h.shortChannelId === failingChannel);
    if (at < 0) return false;
    for (let i = 0; i < at; i++) this.carried(path[i] as PathHop, nowMs);
    const failed = path[at];
    if (failed !== undefined) this.couldNotCarry(failed, nowMs);
    return true;
  }

  /** A payment along `path` succeeded: every hop carried its amount. */
  paymentSucceeded(path: readonly PathHop[], nowMs: number): void {
    for (const hop of path) this.carried(hop, nowMs);
  }

  /** The estimate for a channel direction, if anything was learned. */
  estimate(shortChannelId: bigint, direction: 0 | 1): Readonly<LiquidityEstimate> | undefined {
    return this.table.get(key(shortChannelId, direction));
  }

  /** Every learned estimate, with its channel direction (the pathfinder's view). */
  *estimates(): IterableIterator<
    [shortChannelId: bigint, direction: 0 | 1, estimate: Readonly<LiquidityEstimate>]
  > {
    for (const [k, e] of this.table) yield [k >> 1n, Number(k & 1n) as 0 | 1, e];
  }

  get size(): number {
    return this.table.size;
  }

  /** Probability that the channel direction carries `amountMsat` now; capacity undefined if unknown. */
  successProbability(
    shortChannelId: bigint,
    direction: 0 | 1,
    amountMsat: bigint,
    capacityMsat: bigint | undefined,
    nowMs: number,
  ): number {
    const cap = capacityMsat === undefined ? Number.POSITIVE_INFINITY : Number(capacityMsat);
    return successProbability(
      Number(amountMsat),
      cap,
      this.estimate(shortChannelId, direction),
      nowMs,
      this.params.halfLifeMs,
    );
  }

  /** Drops estimates that have decayed to (almost) nothing; returns how many were dropped. */
  prune(nowMs: number): number {
    const limit = 2 ** -PRUNE_HALF_LIVES;
    let dropped = 0;
    for (const [k, e] of this.table) {
      const wl = e.lowerBoundMsat === undefined ? 0 : this.weight(e.lowerAtMs, nowMs);
      const wh = e.upperBoundMsat === undefined ? 0 : this.weight(e.upperAtMs, nowMs);
      if (wl < limit && wh < limit) {
        this.table.delete(k);
        dropped++;
      }
    }
    return dropped;
  }

  private weight(atMs: number, nowMs: number): number {
    return decayWeight(atMs, nowMs, this.params.halfLifeMs);
  }

  private entry(hop: PathHop): LiquidityEstimate {
    const k = key(hop.shortChannelId, hop.direction);
    let e = this.table.get(k);
    if (e === undefined) {
      e = { lowerBoundMsat: undefined, lowerAtMs: 0, upperBoundMsat: undefined, upperAtMs: 0 };
      this.table.set(k, e);
    }
    return e;
  }

  private carried(hop: PathHop, nowMs: number): void {
    const amount = Number(hop.amtToForwardMsat + hop.feeMsat);
    const e = this.entry(hop);
    const lo = e.lowerBoundMsat;
    if (lo === undefined || amount >= lo || this.weight(e.lowerAtMs, nowMs) < REPLACE_BELOW_WEIGHT) {
      e.lowerBoundMsat = amount;
      e.lowerAtMs = nowMs;
    }
    // The channel just carried more than an old failure said it could: that failure no longer holds.
    if (e.upperBoundMsat !== undefined && e.upperBoundMsat < amount) e.upperBoundMsat = undefined;
  }

  private couldNotCarry(hop: PathHop, nowMs: number): void {
    const bound = Number(hop.amtToForwardMsat + hop.feeMsat) - 1;
    const e = this.entry(hop);
    const hi = e.upperBoundMsat;
    if (hi === undefined || bound <= hi || this.weight(e.upperAtMs, nowMs) < REPLACE_BELOW_WEIGHT) {
      e.upperBoundMsat = Math.max(0, bound);
      e.upperAtMs = nowMs;
    }
    if (e.lowerBoundMsat !== undefined && e.lowerBoundMsat > bound) e.lowerBoundMsat = undefined;
  }
}
