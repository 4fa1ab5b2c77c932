// src/invoices/rate-limit.ts: per-peer token buckets for incoming keysend. Time is an argument.

export interface RateLimit {
  /** Tokens a peer may spend at once. */
  burst: number;
  /** Tokens added per second, up to `burst`. */
  perSecond: number;
}

/** 50 at once, then 5 per second per peer: ample for chat and podcast streams. */
export const DEFAULT_KEYSEND_RATE_LIMIT: Readonly<RateLimit> = Object.freeze({ burst: 50, perSecond: 5 });

interface Bucket {
  tokens: number;
  atMs: number;
}

export class TokenBuckets {
  readonly #buckets = new Map<string, Bucket>();
  readonly #limit: RateLimit;
  readonly #maxKeys: number;

  constructor(limit: RateLimit, maxKeys = 10_000) {
    if (!(limit.burst >= 1) || !(limit.perSecond > 0))
      throw new RangeError(`rate limit: expected burst >= 1 and perSecond > 0, got ${JSON.stringify(limit)}`);
    this.#limit = { ...limit };
    this.#maxKeys = maxKeys;
  }

  /** Spends one token of `key`'s bucket at `nowMs`; false when it is empty. */
  take(key: string, nowMs: number): boolean {
    const b = this.#refilled(key, nowMs);
    if (b.tokens < 1) {
      this.#buckets.set(key, b);
      return false;
    }
    this.#buckets.set(key, { tokens: b.tokens - 1, atMs: b.atMs });
    if (this.#buckets.size > this.#maxKeys) this.#prune(nowMs);
    return true;
  }

  /** Tokens `key` could spend at `nowMs`. */
  available(key: string, nowMs: number): number {
    return this.#refilled(key, nowMs).tokens;
  }

  #refilled(key: string, nowMs: number): Bucket {
    const b = this.#buckets.get(key);
    if (b === undefined) return { tokens: this.#limit.burst, atMs: nowMs };
    // A clock that steps back refills nothing rather than draining the bucket.
    const elapsed = Math.max(0, nowMs - b.atMs);
    const tokens = Math.min(this.#limit.burst, b.tokens + (elapsed / 1000) * this.#limit.perSecond);
    return { tokens, atMs: Math.max(nowMs, b.atMs) };
  }

  // Full buckets carry no information: forget them so the map stays bounded.
  #prune(nowMs: number): void {
    for (const key of [...this.#buckets.keys()]) {
      if (this.#refilled(key, nowMs).tokens >= this.#limit.burst) this.#buckets.delete(key);
    }
  }
}
