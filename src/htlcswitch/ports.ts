// src/htlcswitch/ports.ts: the parts of the node the switch hands HTLCs to (the invoice registry for
// HTLCs that end here, the payment loop for HTLCs we sent) and the events it reports.
import type { FinalHopPayload, OnionFailure } from '../onion/index.js';
import type { DownstreamFailure } from './link.js';

/** An incoming HTLC whose onion ends at this node. */
export interface FinalHtlc {
  channelId: Uint8Array;
  htlcId: bigint;
  /** The peer it came from (33-byte node id). */
  peerNodeId: Uint8Array;
  paymentHash: Uint8Array;
  amountMsat: bigint;
  cltvExpiry: number;
}

/** What to do with a final-hop HTLC now. */
export type FinalHopResolution =
  | { kind: 'settle'; preimage: Uint8Array }
  | { kind: 'fail'; failure: OnionFailure }
  /**
   * Keep it (a part of a multi-part payment, a hold invoice): resolve it later with the switch's
   * `settleHeldHtlc` / `failHeldHtlc`.
   */
  | { kind: 'hold' };

/**
 * The invoice registry. It is told about every committed final-hop HTLC, again after a restart for
 * HTLCs still unresolved, so it must answer repeats the same way (settle a replayed paid HTLC).
 * It may call `settleHeldHtlc` / `failHeldHtlc` from inside `onFinalHtlc` (e.g. to settle the
 * other parts of a now-complete payment), but no other switch method.
 */
export interface FinalHopHandler {
  onFinalHtlc(htlc: FinalHtlc, payload: FinalHopPayload, currentHeight: number): Promise<FinalHopResolution>;
}

/** How an HTLC we sent ended. */
export type LocalHtlcOutcome =
  | { kind: 'fulfilled'; preimage: Uint8Array; attributionData?: Uint8Array }
  | { kind: 'failed'; failure: DownstreamFailure };

/**
 * The payment loop. Each outcome is delivered at least once (again after a restart if the previous
 * delivery did not complete), so handling must be idempotent. Delivery happens outside the
 * switch's input queue: the sink may call `sendHtlc` for the next attempt.
 */
export interface PaymentOutcomeSink {
  onHtlcResolved(ref: string, outcome: LocalHtlcOutcome): Promise<void>;
  /**
   * Not an outcome: the HTLC's channel closed while it was in flight, so it is resolved on chain
   * (the peer may still claim it with the preimage), and its outcome comes later through
   * `onHtlcResolved` once the channel layer reports it. Told when the channel closes and again
   * after each restart while the HTLC stays unresolved; handling must be idempotent.
   */
  onHtlcOnChain?(ref: string, why: string): Promise<void>;
}

/** Something the switch did, for logs, metrics and the API's event stream. */
export type SwitchEvent =
  /** An incoming HTLC was refused before anything went out (bad onion, policy, no channel). */
  | {
      kind: 'forward_refused';
      incomingChannelId: Uint8Array;
      incomingHtlcId: bigint;
      paymentHash: Uint8Array;
      /** The BOLT 4 failure name, or `update_fail_malformed_htlc` with its code. */
      failure: string;
      reason: string;
    }
  | { kind: 'forward_added'; forwardId: number; outgoingChannelId: Uint8Array; outgoingHtlcId: bigint }
  | {
      kind: 'forward_settled';
      forwardId: number;
      incomingAmountMsat: bigint;
      outgoingAmountMsat: bigint;
      feeMsat: bigint;
    }
  | { kind: 'forward_failed'; forwardId: number; reason: string }
  /** Something that should not happen (a peer or the channel layer broke a rule); nothing was done. */
  | { kind: 'anomaly'; message: string };
