// src/api/rate-limit.ts: a token bucket per key (per API token, and per client address for
// failed logins). Pure: the caller passes the time, so tests need no clock.

export interface RateLimitOptions {
  /** Requests that may come at once. */
  burst: number;
  /** Sustained requests per second. */
  perSecond: number;
}

export const DEFAULT_RATE_LIMIT: RateLimitOptions = { burst: 100, perSecond: 20 };

interface Bucket {
  tokens: number;
  updatedMs: number;
}

export type TakeResult = { ok: true } | { ok: false; retryAfterSeconds: number };

/** Token buckets by key; buckets that have filled up again are forgotten, so memory stays bounded. */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly options: RateLimitOptions = DEFAULT_RATE_LIMIT) {
    if (!(options.burst >= 1) || !(options.perSecond > 0)) {
      throw new RangeError('rate limit: burst must be >= 1 and perSecond > 0');
    }
  }

  /** Takes one token from `key`'s bucket at time `nowMs`. */
  take(key: string, nowMs: number): TakeResult {
    const { burst, perSecond } = this.options;
    const b = this.buckets.get(key) ?? { tokens: burst, updatedMs: nowMs };
    const elapsed = Math.max(0, nowMs - b.updatedMs) / 1000;
    b.tokens = Math.min(burst, b.tokens + elapsed * perSecond);
    b.updatedMs = nowMs;
    if (b.tokens < 1) {
      this.buckets.set(key, b);
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - b.tokens) / perSecond)) };
    }
    b.tokens -= 1;
    this.buckets.set(key, b);
    if (this.buckets.size > 10_000) this.prune(nowMs);
    return { ok: true };
  }

  private prune(nowMs: number): void {
    const { burst, perSecond } = this.options;
    for (const [k, b] of this.buckets) {
      if (b.tokens + ((nowMs - b.updatedMs) / 1000) * perSecond >= burst) this.buckets.delete(k);
    }
  }

  /** Buckets currently remembered (for tests). */
  get size(): number {
    return this.buckets.size;
  }
}
