// src/invoices/failures.ts: the final node's BOLT 4 failures with their data filled in.
import type { FinalHopPayload } from '../onion/index.js';
import { bigSizeLength } from '../wire/index.js';
import type { FinalFailure, IncomingHtlc } from './types.js';

/** PERM|15 with `htlc_msat` and the `height` this node saw, as BOLT 4 asks of the final node. */
export function incorrectOrUnknownPaymentDetails(htlc: IncomingHtlc, currentHeight: number): FinalFailure {
  return { name: 'incorrect_or_unknown_payment_details', htlcMsat: htlc.amountMsat, height: currentHeight };
}

/** 18: carries the HTLC's `cltv_expiry`. */
export function finalIncorrectCltvExpiry(htlc: IncomingHtlc): FinalFailure {
  return { name: 'final_incorrect_cltv_expiry', cltvExpiry: htlc.cltvExpiry };
}

/** 19: carries the HTLC's amount. */
export function finalIncorrectHtlcAmount(htlc: IncomingHtlc): FinalFailure {
  return { name: 'final_incorrect_htlc_amount', incomingHtlcAmtMsat: htlc.amountMsat };
}

/**
 * PERM|22 naming the offending record: its `type` and its byte `offset` in the decrypted stream
 * (after the payload's BigSize length prefix, as the onion module reports it).
 */
export function invalidOnionPayload(payload: FinalHopPayload, type: bigint): FinalFailure {
  let offset = bigSizeLength(BigInt(payload.raw.length));
  for (const [t, v] of payload.records) {
    if (t === type) break;
    offset += bigSizeLength(t) + bigSizeLength(BigInt(v.length)) + v.length;
  }
  // The field is a u16; a payload fits an onion (1300 bytes), so this only guards odd callers.
  return { name: 'invalid_onion_payload', type, offset: Math.min(offset, 0xffff) };
}

/** 23: the set did not complete in time. */
export const MPP_TIMEOUT: FinalFailure = Object.freeze({ name: 'mpp_timeout' });
