// src/invoices/checks.ts: the final-hop checks both paths (keysend, BOLT 11) apply to an HTLC,
// its payload and its custom records.
import {
  customRecords,
  FIRST_CUSTOM_RECORD_TYPE,
  type FinalHopPayload,
  KEYSEND_PREIMAGE_TYPE,
} from '../onion/index.js';
import type { CustomRecords } from '../store/index.js';
import {
  finalIncorrectCltvExpiry,
  finalIncorrectHtlcAmount,
  incorrectOrUnknownPaymentDetails,
  invalidOnionPayload,
} from './failures.js';
import type { FinalFailure, FinalHtlcDecision, IncomingHtlc, ReceivePolicy } from './types.js';

/** A 'fail' decision. */
export function fail(failure: FinalFailure, reason: string, failSet = false): FinalHtlcDecision {
  return { kind: 'fail', code: failure.name, failure, reason, failSet };
}

/**
 * The HTLC against its own payload, the chain tip and the receive policy's record rules; the
 * first violation as a 'fail' decision, else the payload's custom records.
 */
export function checkFinalHtlc(
  htlc: IncomingHtlc,
  payload: FinalHopPayload,
  currentHeight: number,
  minFinalCltvExpiryDelta: number,
  policy: ReceivePolicy,
): { ok: false; decision: FinalHtlcDecision } | { ok: true; records: CustomRecords } {
  const no = (decision: FinalHtlcDecision) => ({ ok: false as const, decision });
  // BOLT 4: "if the `cltv_expiry` from the final node's HTLC is below `outgoing_cltv_value`:"
  // "MUST return `final_incorrect_cltv_expiry` error." Only below: senders add shadow-route
  // offsets, so a larger cltv_expiry than the onion's is normal.
  if (htlc.cltvExpiry < payload.outgoingCltvValue)
    return no(
      fail(
        finalIncorrectCltvExpiry(htlc),
        `cltv_expiry ${htlc.cltvExpiry} is below the onion's outgoing_cltv_value ${payload.outgoingCltvValue}`,
      ),
    );
  // BOLT 4: "if `amount_msat` from the final node's HTLC is below `amt_to_forward`:"
  if (htlc.amountMsat < payload.amtToForwardMsat)
    return no(
      fail(
        finalIncorrectHtlcAmount(htlc),
        `amount_msat ${htlc.amountMsat} is below the onion's amt_to_forward ${payload.amtToForwardMsat}`,
      ),
    );
  // BOLT 4: "if the `cltv_expiry` value is unreasonably near the present:" ... "MUST return an
  // `incorrect_or_unknown_payment_details` error." A minimum, never an exact value.
  if (htlc.cltvExpiry < currentHeight + minFinalCltvExpiryDelta)
    return no(
      fail(
        incorrectOrUnknownPaymentDetails(htlc, currentHeight),
        `cltv_expiry ${htlc.cltvExpiry} is less than ${minFinalCltvExpiryDelta} blocks after height ${currentHeight}`,
      ),
    );
  for (const type of payload.records.keys()) {
    // BOLT 1: "if `type` is even:" (and unknown) "MUST fail to parse the `tlv_stream`." Custom
    // types count as known when the policy lists them; lower types are the payload codec's.
    if (type >= FIRST_CUSTOM_RECORD_TYPE && type % 2n === 0n && !isKnownEven(type, policy))
      return no(fail(invalidOnionPayload(payload, type), `unknown even custom record type ${type}`));
  }
  const records = customRecords(payload.records);
  let size = 0;
  for (const v of records.values()) size += v.length;
  if (size > policy.maxCustomRecordsBytes)
    return no(
      fail(
        incorrectOrUnknownPaymentDetails(htlc, currentHeight),
        `custom records total ${size} bytes, more than the ${policy.maxCustomRecordsBytes} accepted`,
      ),
    );
  return { ok: true, records };
}

// The keysend preimage's type is even and always known here (it is how keysend is recognized).
function isKnownEven(type: bigint, policy: ReceivePolicy): boolean {
  return type === KEYSEND_PREIMAGE_TYPE || policy.knownEvenTypes.has(type);
}
