// src/invoices/bolt11.ts: decide on an HTLC paying one of our BOLT 11 invoices (BOLT 4 final
// node requirements, basic multi-part payments). Pure.
import { equalBytes } from '../crypto/index.js';
import { DEFAULT_MIN_FINAL_CLTV_EXPIRY_DELTA } from '../invoice/index.js';
import { customRecords, type FinalHopPayload } from '../onion/index.js';
import { checkFinalHtlc, fail } from './checks.js';
import { incorrectOrUnknownPaymentDetails } from './failures.js';
import { htlcKeyString } from './htlc-key.js';
import type { FinalHtlcDecision, IncomingHtlc, KnownState, ReceivePolicy } from './types.js';

/**
 * An HTLC without a keysend preimage: it must pay an open, unexpired invoice with the right
 * `payment_secret`, enough (at most twice) the invoice amount as `total_msat`, and a final CLTV
 * of at least the invoice's `c`. Parts of a multi-part payment are collected until their
 * `amt_to_forward` reaches `total_msat`; a hold invoice then holds instead of settling.
 */
export function decideInvoicePayment(
  htlc: IncomingHtlc,
  payload: FinalHopPayload,
  currentHeight: number,
  policy: ReceivePolicy,
  known: KnownState,
): FinalHtlcDecision {
  const refuse = (reason: string, failSet = false) =>
    fail(incorrectOrUnknownPaymentDetails(htlc, currentHeight), reason, failSet);
  const invoice = known.invoice;
  // BOLT 4: "if the payment hash is unknown:" ... "MUST return an
  // `incorrect_or_unknown_payment_details` error." A keysend invoice is not payable again.
  if (invoice === undefined || invoice.record.keysend) return refuse('no invoice has this payment hash');
  const { record, meta } = invoice;
  const key = htlcKeyString(htlc);
  if (meta.htlcs.includes(key)) {
    // A replay of an HTLC that already paid this invoice: answer as before.
    if (record.state === 'settled' && record.preimage !== null)
      return {
        kind: 'settle',
        preimage: record.preimage,
        keysend: false,
        replay: true,
        records: customRecords(payload.records),
      };
    if (record.state === 'accepted')
      return { kind: 'hold', replay: true, records: customRecords(payload.records) };
  }
  // BOLT 4: "if the payment hash has already been paid:" "MAY treat the payment hash as unknown."
  if (record.state !== 'open') return refuse(`the invoice is ${record.state}`);
  if (record.expiresAt !== null && known.nowMs >= record.expiresAt) return refuse('the invoice has expired');
  // BOLT 4: "if the `payment_secret` doesn't match the expected value for that `payment_hash`,"
  // "or the `payment_secret` is required and is not present:" (our invoices always require it).
  if (payload.paymentSecret === undefined) return refuse('payment_data (payment_secret) is missing');
  if (meta.paymentSecret === undefined || !equalBytes(payload.paymentSecret, meta.paymentSecret))
    return refuse('payment_secret does not match the invoice');

  const minDelta = meta.minFinalCltvExpiryDelta ?? DEFAULT_MIN_FINAL_CLTV_EXPIRY_DELTA;
  const checked = checkFinalHtlc(htlc, payload, currentHeight, minDelta, policy);
  if (!checked.ok) return checked.decision;
  const { records } = checked;

  // BOLT 4: "amount paid" is the `total_msat` field, as its multi-part section notes.
  const total = payload.totalMsat;
  if (record.amountMsat !== null) {
    // BOLT 4: "if the amount paid is less than the amount expected:"
    if (total < record.amountMsat)
      return refuse(`total_msat ${total} is below the invoice amount ${record.amountMsat}`);
    // BOLT 4: "if the amount paid is more than twice the amount expected:"
    if (total > 2n * record.amountMsat)
      return refuse(`total_msat ${total} is more than twice the invoice amount ${record.amountMsat}`);
  }

  const set = known.set;
  if (total !== payload.amtToForwardMsat && !(policy.acceptMpp && meta.mpp))
    // BOLT 4: "MUST fail the HTLC if `total_msat` is not exactly equal to `amt_to_forward`."
    return refuse('multi-part payments are not accepted for this invoice');
  if (set !== undefined) {
    if (set.held) return refuse('the invoice is already paid and held');
    if (set.htlcs.has(key)) return { kind: 'accept_part', records };
    // BOLT 4: "SHOULD fail the entire HTLC set if `total_msat` is not the same for"
    if (set.totalMsat !== total)
      return refuse(`total_msat ${total} differs from the set's ${set.totalMsat}`, true);
  }
  const received = (set?.receivedMsat ?? 0n) + payload.amtToForwardMsat;
  // BOLT 4: "otherwise, if the total `amt_to_forward` of this HTLC set is less than"
  // "`total_msat`:" "MUST NOT fulfill any HTLCs in the HTLC set"
  if (received < total) return { kind: 'accept_part', records };
  if (meta.hold) return { kind: 'hold', replay: false, records };
  if (record.preimage === null) return refuse('the invoice has no preimage to settle with');
  // BOLT 4: "SHOULD fulfill all HTLCs in the HTLC set"
  return { kind: 'settle', preimage: record.preimage, keysend: false, replay: false, records };
}
