// src/invoices/types.ts: what the final-hop decision reads (an incoming HTLC, the invoice it pays,
// the HTLC set it joins, the receive policy) and what it returns.
import type { OnionFailureOf } from '../onion/index.js';
import type { CustomRecords, InvoiceRecord } from '../store/index.js';

/** Identifies one incoming HTLC: the channel it arrived on and its id there. */
export interface HtlcKey {
  channelId: Uint8Array;
  htlcId: bigint;
}

/** An `update_add_htlc` that reached this node as the final hop. */
export interface IncomingHtlc extends HtlcKey {
  paymentHash: Uint8Array;
  amountMsat: bigint;
  cltvExpiry: number;
  /** The peer that sent it (33-byte node id): rate limits are per peer. */
  incomingPeer: Uint8Array;
}

/** The BOLT 4 failures a final node returns. */
export type FinalFailureName =
  | 'incorrect_or_unknown_payment_details'
  | 'final_incorrect_cltv_expiry'
  | 'final_incorrect_htlc_amount'
  | 'invalid_onion_payload'
  | 'mpp_timeout';

/** A final-node failure with its BOLT 4 data, ready for `createFailure`/`encodeFailureMessage`. */
export type FinalFailure = { [N in FinalFailureName]: OnionFailureOf<N> }[FinalFailureName];

/** How this node receives; every field has a default (see `DEFAULT_RECEIVE_POLICY`). */
export interface ReceivePolicy {
  /** `accept-keysend`: settle spontaneous payments (advertised as feature bit 55). */
  acceptKeysend: boolean;
  /** Keysend senders choose the final CLTV: the least `cltv_expiry - height` accepted. */
  keysendMinFinalCltvExpiryDelta: number;
  /** Keysend HTLCs below this amount are refused. */
  minKeysendAmountMsat: bigint;
  /** The most bytes of custom record values (types >= 65536, the preimage excluded) accepted. */
  maxCustomRecordsBytes: number;
  /**
   * Even custom record types this node understands (the app records it decodes, e.g. Whatsat's
   * 34349334, plus types the operator registers); any other even type fails the payment.
   */
  knownEvenTypes: ReadonlySet<bigint>;
  /** Accept multi-part payments (`basic_mpp`) for BOLT 11 invoices. */
  acceptMpp: boolean;
}

/** Registry bookkeeping kept beside an invoice record (the store has no column for it). */
export interface InvoiceMeta {
  /** A hold invoice: a complete HTLC set is held until `settleHold` or `cancel`. */
  hold: boolean;
  /** The BOLT 11 `payment_secret` (absent on keysend invoices). */
  paymentSecret?: Uint8Array;
  /** The invoice's `min_final_cltv_expiry_delta` (`c`). */
  minFinalCltvExpiryDelta?: number;
  /** The invoice offered `basic_mpp`. */
  mpp: boolean;
  /** Keys (`htlcKeyString`) of the HTLCs that paid the invoice, so replays after a restart match. */
  htlcs: readonly string[];
  /** Decoded app fields of a keysend, as decided on receipt. */
  app?: StoredAppFields;
}

/** The persisted part of `KeysendAppFields` (the boost is decoded from its record on read). */
export interface StoredAppFields {
  message?: string;
  senderNodeId?: Uint8Array;
  senderVerified: boolean;
  /** Why a present sender was not verified. */
  senderUnverifiedReason?: string;
  timestampNs?: bigint;
}

/** An invoice as the decision sees it. */
export interface KnownInvoice {
  record: InvoiceRecord;
  meta: InvoiceMeta;
}

/** The HTLCs already collected for a payment hash (a multi-part payment in progress, or held). */
export interface HtlcSetView {
  /** `total_msat` of the set's first HTLC. */
  totalMsat: bigint;
  /** Sum of the parts' `amt_to_forward`. */
  receivedMsat: bigint;
  /** `htlcKeyString` of each part. */
  htlcs: ReadonlySet<string>;
  /** The set is complete and held for a hold invoice. */
  held: boolean;
}

/** What else the decision needs to know, gathered by the caller. */
export interface KnownState {
  /** Unix milliseconds, for invoice expiry. */
  nowMs: number;
  /** The stored invoice for the HTLC's payment hash, if any. */
  invoice?: KnownInvoice;
  /** The HTLC set already collected for this payment hash, if any. */
  set?: HtlcSetView;
  /** The incoming peer has used up its keysend allowance. */
  keysendRateLimited?: boolean;
}

/** The decision for an HTLC arriving at the final hop. */
export type FinalHtlcDecision =
  | {
      /** Fulfill (for a multi-part payment: this HTLC completes the set; fulfill every part). */
      kind: 'settle';
      preimage: Uint8Array;
      keysend: boolean;
      /** The invoice is already settled by this very HTLC (a replay after restart): nothing to write. */
      replay: boolean;
      /** The payload's custom records (>= 65536, the keysend preimage excluded), byte-exact. */
      records: CustomRecords;
    }
  | {
      kind: 'fail';
      code: FinalFailureName;
      failure: FinalFailure;
      reason: string;
      /** Fail every HTLC of the set too (BOLT 4: mismatched `total_msat`). */
      failSet: boolean;
    }
  /** A hold invoice's set is complete: keep the HTLCs until settled or canceled. */
  | { kind: 'hold'; replay: boolean; records: CustomRecords }
  /** A part of a multi-part payment; wait for the rest (or the MPP timeout). */
  | { kind: 'accept_part'; records: CustomRecords };
