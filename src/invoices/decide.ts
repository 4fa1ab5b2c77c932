// src/invoices/decide.ts: the decision for an HTLC arriving at the final hop. Pure: no store, no
// clock, no randomness; the caller gathers what is known, persists the decision, then acts.
import type { FinalHopPayload } from '../onion/index.js';
import { decideInvoicePayment } from './bolt11.js';
import { decideKeysend } from './keysend.js';
import type { FinalHtlcDecision, IncomingHtlc, KnownState, ReceivePolicy } from './types.js';

/**
 * Settle, fail (with the BOLT 4 failure and its data), hold (a hold invoice's complete set) or
 * accept a part (of a multi-part payment). A payload with a keysend preimage takes the keysend
 * path (bLIP 3); any other pays a BOLT 11 invoice. `payload` is the final payload as
 * `parseFinalPayload` returns it (with the same known even types as `policy`).
 */
export function decideFinalHtlc(
  htlc: IncomingHtlc,
  payload: FinalHopPayload,
  currentHeight: number,
  policy: ReceivePolicy,
  known: KnownState,
): FinalHtlcDecision {
  const preimage = payload.keysendPreimage;
  if (preimage !== undefined)
    return decideKeysend(htlc, { ...payload, keysendPreimage: preimage }, currentHeight, policy, known);
  return decideInvoicePayment(htlc, payload, currentHeight, policy, known);
}
