// src/peer/rate-limit.ts: a token bucket that first warns and then gives up on a peer that keeps
// exceeding its rate. Pure: the caller passes the time.

/**
 * A peer may spend `burst` tokens at once, which refill at `perSecond`. Past that it is warned once
 * (until its bucket refills); once it is `grace` tokens in debt, it is over the limit.
 */
export interface RateLimit {
  readonly burst: number;
  readonly perSecond: number;
  readonly grace: number;
}

/**
 * - `ok`: within the rate;
 * - `warn`: the bucket just went empty (reported once until it refills above zero);
 * - `over`: the debt went past `grace`: disconnect.
 */
export type RateVerdict = 'ok' | 'warn' | 'over';

export function checkRateLimit(limit: RateLimit, name = 'rate limit'): void {
  const ok = (x: number) => Number.isFinite(x) && x >= 0;
  if (!ok(limit.burst) || !ok(limit.perSecond) || !ok(limit.grace)) {
    throw new RangeError(
      `${name}: burst, perSecond and grace must be finite and >= 0, got ${JSON.stringify(limit)}`,
    );
  }
}

export class RatePolicer {
  readonly limit: RateLimit;
  #tokens: number;
  #updatedAt: number;
  #warned = false;

  constructor(limit: RateLimit, now: number) {
    checkRateLimit(limit);
    this.limit = limit;
    this.#tokens = limit.burst;
    this.#updatedAt = now;
  }

  /** Tokens available at `now` (negative while in debt). */
  level(now: number): number {
    this.#refill(now);
    return this.#tokens;
  }

  /** Spends `cost` tokens at time `now` and says whether the peer is still within its rate. */
  admit(cost: number, now: number): RateVerdict {
    this.#refill(now);
    this.#tokens -= cost;
    if (this.#tokens < -this.limit.grace) return 'over';
    if (this.#tokens < 0) {
      if (this.#warned) return 'ok';
      this.#warned = true;
      return 'warn';
    }
    return 'ok';
  }

  #refill(now: number): void {
    // A clock that steps back must not mint tokens or punish the peer.
    const elapsed = Math.max(0, now - this.#updatedAt);
    this.#updatedAt = Math.max(now, this.#updatedAt);
    this.#tokens = Math.min(this.limit.burst, this.#tokens + (elapsed * this.limit.perSecond) / 1000);
    if (this.#tokens >= 0) this.#warned = false;
  }
}
