// src/peer/backoff.ts: how long to wait before redialling a peer we keep a connection to.
// Pure: the caller passes the random number.

export interface BackoffPolicy {
  /** Delay before the first retry. */
  readonly initialDelayMs: number;
  /** The delay stops growing here. */
  readonly maxDelayMs: number;
  /** Growth per failed attempt (2 doubles it). */
  readonly multiplier: number;
  /**
   * Share of the delay that is random, 0..1: with 0.5 the delay is uniform in [d/2, d). Jitter keeps
   * two nodes that lost each other at the same moment from redialling in lockstep forever.
   */
  readonly jitter: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = Object.freeze({
  initialDelayMs: 1_000,
  maxDelayMs: 300_000,
  multiplier: 2,
  jitter: 0.5,
});

export function checkBackoffPolicy(p: BackoffPolicy): void {
  const ok =
    Number.isFinite(p.initialDelayMs) &&
    p.initialDelayMs >= 0 &&
    Number.isFinite(p.maxDelayMs) &&
    p.maxDelayMs >= p.initialDelayMs &&
    Number.isFinite(p.multiplier) &&
    p.multiplier >= 1 &&
    p.jitter >= 0 &&
    p.jitter <= 1;
  if (!ok) {
    throw new RangeError(
      `backoff: expected 0 <= initialDelayMs <= maxDelayMs, multiplier >= 1, 0 <= jitter <= 1, got ${JSON.stringify(p)}`,
    );
  }
}

/**
 * The delay before retry number `attempt` (0 for the first): `initialDelayMs * multiplier^attempt`
 * capped at `maxDelayMs`, of which the `jitter` share is scaled by `random` (a number in [0, 1)).
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: number): number {
  const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.multiplier ** Math.max(0, attempt));
  const r = Math.min(Math.max(random, 0), 1);
  return Math.round(base * (1 - policy.jitter + policy.jitter * r));
}
