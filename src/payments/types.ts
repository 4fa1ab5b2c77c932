// src/payments/types.ts: the narrow interfaces the payment loop needs from the channel layer, and
// the outcomes that come back from it. The channel layer implements them; tests fake them.
import type { FirstHopChannel } from '../routing/index.js';

/**
 * Names one attempt of one payment: `${paymentId}/${attemptNumber}`. Opaque to the channel
 * layer, which keeps it with the HTLC (and across restarts) and hands it back with the outcome.
 */
export type AttemptId = string;

/** Builds the id of an attempt. */
export function attemptId(paymentId: number, attemptNumber: number): AttemptId {
  return `${paymentId}/${attemptNumber}`;
}

/** Reads an attempt id back; undefined if it is not one of ours. */
export function parseAttemptId(id: AttemptId): { paymentId: number; attemptNumber: number } | undefined {
  const m = /^(\d{1,15})\/(\d{1,10})$/.exec(id);
  if (m === null) return undefined;
  return { paymentId: Number(m[1]), attemptNumber: Number(m[2]) };
}

/** What the loop asks the channel layer to add to the first channel of a route. */
export interface SendHtlcRequest {
  firstHopShortChannelId: bigint;
  firstHopNodeId: Uint8Array;
  amountMsat: bigint;
  cltvExpiry: number;
  paymentHash: Uint8Array;
  /** The 1366-byte onion_routing_packet. */
  onion: Uint8Array;
  attemptId: AttemptId;
}

/**
 * The channel layer's answer to `sendHtlc`: the HTLC was added (its outcome arrives later through
 * `PaymentLoop.onHtlcResolved`), or it was refused locally and nothing was sent.
 */
export type AddResult = { kind: 'added' } | { kind: 'refused'; reason: string };

/** The final outcome of an HTLC we offered, as the channel layer learned it from the first peer. */
export type HtlcOutcome =
  | { kind: 'fulfilled'; preimage: Uint8Array; attributionData?: Uint8Array }
  /** `reason` is the onion error packet of update_fail_htlc. */
  | { kind: 'failed'; reason: Uint8Array; attributionData?: Uint8Array }
  /** update_fail_malformed_htlc from the first peer: it could not parse our onion. */
  | { kind: 'malformed'; code: number }
  /**
   * Our channel to the first peer closed and the HTLC can never be fulfilled: it was never in a
   * commitment that could confirm, or it timed out on chain. Nothing was paid; a retry is safe.
   */
  | { kind: 'closed'; why: string }
  /**
   * Not an end: our channel to the first peer closed with the HTLC in a commitment, so it is
   * resolved on chain, where the peer may still claim it with the preimage. The attempt stays in
   * flight and is not replaced (a retry could pay twice); a later `fulfilled` (the preimage, also
   * learned on chain) or `closed` (timed out) ends it. May be reported more than once.
   */
  | { kind: 'onchain'; why: string };

export interface HtlcSender {
  /**
   * Adds the HTLC to the channel, or refuses it (channel not usable, not enough balance) without
   * sending anything. It should not reject: an exception leaves the attempt in flight, since the
   * loop cannot tell whether the HTLC was added, and only `onHtlcResolved` can settle it then.
   */
  sendHtlc(req: SendHtlcRequest): Promise<AddResult>;
  /**
   * Optional, for `resumeInFlight`: whether the channel layer holds an HTLC for the attempt.
   * 'unknown' means it never added one (we crashed between storing the attempt and sending it),
   * so the attempt can be failed and retried. Without this method such attempts wait forever:
   * safety (never pay twice) before liveness.
   */
  attemptStatus?(attemptId: AttemptId): Promise<'pending' | 'unknown'>;
}

/** Our usable channels with their real spendable balances (findRoute's firstHopChannels). */
export interface LocalChannels {
  list(): readonly FirstHopChannel[];
}
