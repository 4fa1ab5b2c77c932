// src/peer/options.ts: the settings of a PeerManager (timing, limits, redial backoff), their
// defaults, and the checks that reject nonsense at construction rather than on the first peer.
import { MAX_MESSAGE_LENGTH } from '../transport/index.js';
import type { Features } from '../wire/index.js';
import type { BackoffPolicy } from './backoff.js';
import type { RateLimit } from './rate-limit.js';
import {
  DEFAULT_MESSAGE_RATE,
  DEFAULT_PING_RATE,
  DEFAULT_ROUTING_COST,
  DEFAULT_SESSION_TIMING,
  type SessionTiming,
} from './session.js';

export interface PeerTiming extends SessionTiming {
  /** How often sessions are ticked (pings, deadlines). */
  readonly tickMs: number;
  /** Time a BOLT 8 handshake may take, either way. */
  readonly handshakeTimeoutMs: number;
  /**
   * Two connections to one peer in opposite directions, established within this window of each
   * other, were dialled at the same time by both sides: both sides then keep the same one (see
   * `keepNewConnection`). Outside the window the newer connection replaces the older.
   */
  readonly raceWindowMs: number;
  /** A connection that stayed up this long resets the redial backoff. */
  readonly stableAfterMs: number;
}

export const DEFAULT_PEER_TIMING: PeerTiming = Object.freeze({
  ...DEFAULT_SESSION_TIMING,
  tickMs: 1_000,
  handshakeTimeoutMs: 10_000,
  raceWindowMs: 5_000,
  stableAfterMs: 60_000,
});

export interface PeerLimits {
  /**
   * Inbound connections from peers that are not persistent (we have no channel with them). The
   * peers we keep channels with are always let in, so strangers cannot lock them out.
   */
  readonly maxInboundPeers: number;
  /** Inbound connections still in the BOLT 8 handshake; more are dropped at once. */
  readonly maxPendingHandshakes: number;
  /** Bytes queued to a peer that does not read them; past this the peer is disconnected. */
  readonly maxQueuedBytes: number;
  /** The longest message we accept (the transport drops a peer announcing a longer one). */
  readonly maxMessageLength: number;
  readonly messageRate: RateLimit;
  readonly pingRate: RateLimit;
  /** What one routing (gossip) message costs against `messageRate`. */
  readonly routingCost: number;
}

export const DEFAULT_PEER_LIMITS: PeerLimits = Object.freeze({
  maxInboundPeers: 100,
  maxPendingHandshakes: 64,
  // Enough for a few dozen full-size messages beyond what the kernel buffers already hold.
  maxQueuedBytes: 4 * 1024 * 1024,
  maxMessageLength: MAX_MESSAGE_LENGTH,
  messageRate: DEFAULT_MESSAGE_RATE,
  pingRate: DEFAULT_PING_RATE,
  routingCost: DEFAULT_ROUTING_COST,
});

export interface PeerManagerOptions {
  /** Our node's static private key. */
  readonly localPrivateKey: Uint8Array;
  /** The chain we serve (`networks` in `init`). */
  readonly chainHash: Uint8Array;
  /** Our `init` features (default `OUR_INIT_FEATURES`). */
  readonly features?: Features;
  readonly timing?: Partial<PeerTiming>;
  readonly limits?: Partial<PeerLimits>;
  readonly reconnect?: Partial<BackoffPolicy>;
  /** The clock (default `Date.now`). */
  readonly now?: () => number;
  /** Uniform random numbers in [0, 1) for backoff jitter (default `Math.random`). */
  readonly random?: () => number;
  /**
   * Called before messages written to peers leave: the node makes its store durable there, so
   * that no peer sees a message whose state a power loss could take back (see Store.flush).
   * Messages written in one turn of the event loop leave together at its end, after one call; if
   * it throws, they never leave and their connections are dropped.
   */
  readonly beforeWrite?: () => void;
}

/** Throws a RangeError for a setting out of range. */
export function checkManagerSettings(timing: PeerTiming, limits: PeerLimits): void {
  const positive = (name: string, v: number) => {
    if (!Number.isFinite(v) || v <= 0) throw new RangeError(`${name} must be a positive number, got ${v}`);
  };
  positive('timing.tickMs', timing.tickMs);
  positive('timing.handshakeTimeoutMs', timing.handshakeTimeoutMs);
  positive('limits.maxQueuedBytes', limits.maxQueuedBytes);
  for (const [name, v] of [
    ['limits.maxInboundPeers', limits.maxInboundPeers],
    ['limits.maxPendingHandshakes', limits.maxPendingHandshakes],
  ] as const) {
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`${name} must be an integer >= 0, got ${v}`);
  }
  const n = limits.maxMessageLength;
  if (!Number.isInteger(n) || n < 2 || n > MAX_MESSAGE_LENGTH) {
    throw new RangeError(`limits.maxMessageLength must be an integer in 2..${MAX_MESSAGE_LENGTH}, got ${n}`);
  }
}
