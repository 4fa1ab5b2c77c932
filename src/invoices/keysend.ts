// src/invoices/keysend.ts: decide on an incoming keysend HTLC (bLIP 3, BOLT 4). Pure.
import { equalBytes, sha256 } from '../crypto/index.js';
import { customRecords, type FinalHopPayload } from '../onion/index.js';
import { checkFinalHtlc, fail } from './checks.js';
import { incorrectOrUnknownPaymentDetails } from './failures.js';
import { htlcKeyString } from './htlc-key.js';
import type { FinalHtlcDecision, IncomingHtlc, KnownState, ReceivePolicy } from './types.js';

/**
 * A keysend payment (the payload carries a preimage): settle it when the policy accepts keysend,
 * the preimage hashes to the payment hash, the HTLC matches its payload, the records are
 * acceptable and no invoice has this hash yet. No `payment_data` is needed: LDK and others send
 * keysend without one; a `payment_data` whose `total_msat` equals `amt_to_forward` is ignored.
 */
export function decideKeysend(
  htlc: IncomingHtlc,
  payload: FinalHopPayload & { keysendPreimage: Uint8Array },
  currentHeight: number,
  policy: ReceivePolicy,
  known: KnownState,
): FinalHtlcDecision {
  const preimage = payload.keysendPreimage;
  const refuse = (reason: string) => fail(incorrectOrUnknownPaymentDetails(htlc, currentHeight), reason);
  const existing = known.invoice;
  // The same HTLC again (the channel layer replays unresolved HTLCs after a restart) for the
  // invoice it already settled: we stored its preimage as received, so we must claim it whatever
  // the policy says now (a rate limit, or keysend since turned off), or the recipient would record
  // a payment whose HTLC then fails back.
  if (
    existing !== undefined &&
    equalBytes(sha256(preimage), htlc.paymentHash) &&
    existing.record.keysend &&
    existing.record.state === 'settled' &&
    existing.meta.htlcs.includes(htlcKeyString(htlc))
  )
    return { kind: 'settle', preimage, keysend: true, replay: true, records: customRecords(payload.records) };
  // bLIP 3: "if failing the payment due to not wanting to accept keysend payments or if
  // the preimage does not match the payment hash, SHOULD error with
  // `PERM|15 incorrect_or_unknown_payment_details`."
  if (!policy.acceptKeysend) return refuse('keysend is disabled on this node');
  if (known.keysendRateLimited === true)
    return refuse('too many keysend payments from this peer; wait before sending more');
  if (!equalBytes(sha256(preimage), htlc.paymentHash))
    return refuse('the keysend preimage does not hash to the payment_hash');
  if (existing !== undefined)
    return refuse('an invoice with this payment hash already exists (duplicate payment hash)');
  // bLIP 3 has no multi-part keysend; a total above this HTLC's share would never complete here.
  if (payload.totalMsat !== payload.amtToForwardMsat)
    return refuse('multi-part keysend is not supported (total_msat differs from amt_to_forward)');

  const checked = checkFinalHtlc(htlc, payload, currentHeight, policy.keysendMinFinalCltvExpiryDelta, policy);
  if (!checked.ok) return checked.decision;
  if (htlc.amountMsat < policy.minKeysendAmountMsat)
    return refuse(
      `amount ${htlc.amountMsat} msat is below the minimum of ${policy.minKeysendAmountMsat} msat`,
    );
  return { kind: 'settle', preimage, keysend: true, replay: false, records: checked.records };
}
