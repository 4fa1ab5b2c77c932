// src/gossip/rate-limit.ts: a token bucket per peer, so that one peer cannot make us verify
// signatures without bound. Time is an argument.

export interface RateLimit {
  /** Messages a peer may send at once. */
  burst: number;
  /** Messages per second the bucket refills. */
  perSecond: number;
}

export class TokenBucket {
  private tokens: number;
  private lastMs: number | undefined;

  constructor(private readonly limit: RateLimit) {
    this.tokens = limit.burst;
  }

  /** Takes one token if there is one. */
  take(nowMs: number): boolean {
    if (this.lastMs !== undefined && nowMs > this.lastMs) {
      this.tokens = Math.min(
        this.limit.burst,
        this.tokens + ((nowMs - this.lastMs) / 1000) * this.limit.perSecond,
      );
    }
    if (this.lastMs === undefined || nowMs > this.lastMs) this.lastMs = nowMs;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
