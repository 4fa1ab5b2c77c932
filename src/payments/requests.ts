// src/payments/requests.ts: from what a caller asks (a keysend, an invoice) to a payment plan, with
// the checks that refuse a request before anything is stored. Pure: time and randomness come in.
import { equalBytes, isPublicKey, sha256 } from '../crypto/index.js';
import type { ChannelGraph } from '../routing/index.js';
import type { PaymentRecord } from '../store/index.js';
import type { TlvRecord } from '../wire/index.js';
import { FEATURES } from '../wire/index.js';
import type { InvoiceTerms } from './bolt11.js';
import { PaymentError } from './errors.js';
import type { KeysendOptions, PayInvoiceOptions, PaymentDefaults, SendOptions } from './options.js';
import { maxFeeFor } from './options.js';
import type { PaymentPlan } from './plan.js';

/** Refuses a non-positive amount, a malformed destination, or paying ourselves. */
export function checkAmountAndDestination(
  destination: Uint8Array,
  amountMsat: bigint,
  ourNodeId: Uint8Array,
): void {
  if (typeof amountMsat !== 'bigint' || amountMsat <= 0n)
    throw new PaymentError('invalid_request', 'amountMsat must be a bigint > 0');
  if (!(destination instanceof Uint8Array) || destination.length !== 33 || !isPublicKey(destination))
    throw new PaymentError('invalid_request', 'destination must be a 33-byte compressed node id');
  if (equalBytes(destination, ourNodeId))
    throw new PaymentError('invalid_request', 'the destination is this node: a node cannot pay itself');
}

/** Refuses keysend to a node that does not advertise it (bit 54 or 55), unless `allow`. */
export function checkKeysendFeature(graph: ChannelGraph, destination: Uint8Array, allow: boolean): void {
  const node = graph.getNode(destination);
  const advertises =
    node?.features.some((b) => b === FEATURES.keysend.required || b === FEATURES.keysend.optional) ?? false;
  // bLIP 3: "SHOULD only send payments to nodes advertising the `keysend` feature bit"
  if (advertises || allow) return;
  throw new PaymentError(
    'keysend_not_supported',
    node === undefined
      ? 'the destination is not in the graph, so it is unknown whether it accepts keysend (feature bit 55); ' +
          'pass allowWithoutFeature: true to try anyway'
      : 'the destination does not advertise keysend (feature bit 55) in its node_announcement; ' +
          'pass allowWithoutFeature: true to try anyway',
  );
}

/** An idempotency key matched: fine if the call asks for the same payment, an error otherwise. */
export function checkSameRequest(
  earlier: PaymentRecord,
  key: string,
  destination: Uint8Array,
  amountMsat: bigint,
  paymentHash?: Uint8Array,
): void {
  const same =
    equalBytes(earlier.destination, destination) &&
    earlier.amountMsat === amountMsat &&
    (paymentHash === undefined || equalBytes(earlier.paymentHash, paymentHash));
  if (same) return;
  throw new PaymentError(
    'idempotency_key_reused',
    `idempotency key ${JSON.stringify(key)} belongs to payment ${earlier.id} with another destination, ` +
      'amount or invoice; use a new key for a new payment',
  );
}

type CommonPlan = Omit<
  PaymentPlan,
  'kind' | 'destination' | 'paymentHash' | 'final' | 'finalCltvDelta' | 'allowMpp' | 'maxParts'
>;

function commonPlan(o: SendOptions, amountMsat: bigint, nowMs: number, d: PaymentDefaults): CommonPlan {
  return {
    amountMsat,
    maxFeeMsat: maxFeeFor(amountMsat, o),
    maxCltvExpiryDelta: o.maxCltvExpiryDelta ?? d.maxCltvExpiryDelta,
    routeHints: (o.routeHints ?? []).map((h) => h.map((x) => ({ ...x }))),
    ...(o.outgoingChannelId !== undefined ? { outgoingChannelId: o.outgoingChannelId } : {}),
    deadlineMs: nowMs + (o.timeoutMs ?? d.timeoutMs),
    maxAttempts: o.maxAttempts ?? d.maxAttempts,
  };
}

/** The plan of a keysend: one HTLC at a time, the preimage and records in the final payload. */
export function keysendPlan(
  destination: Uint8Array,
  amountMsat: bigint,
  o: KeysendOptions,
  records: TlvRecord[],
  preimage: Uint8Array,
  nowMs: number,
  d: PaymentDefaults,
): PaymentPlan {
  return {
    ...commonPlan(o, amountMsat, nowMs, d),
    kind: 'keysend',
    destination: Uint8Array.from(destination),
    // bLIP 3: "MUST set the `payment_hash` field in the `update_add_htlc` message to match"
    // the SHA256 of the preimage.
    paymentHash: sha256(preimage),
    final: { totalMsat: amountMsat, keysendPreimage: Uint8Array.from(preimage), records },
    finalCltvDelta: o.finalCltvDelta ?? d.keysendFinalCltvDelta,
    // Keysend recipients refuse multi-part payments: there is no invoice to tie the parts together.
    allowMpp: false,
    maxParts: 1,
  };
}

/** The plan of an invoice payment (terms from invoiceTerms). */
export function invoicePlan(
  bolt11: string,
  terms: InvoiceTerms,
  o: PayInvoiceOptions,
  records: TlvRecord[],
  nowMs: number,
  d: PaymentDefaults,
): PaymentPlan {
  const common = commonPlan(o, terms.amountMsat, nowMs, d);
  return {
    ...common,
    kind: 'bolt11',
    destination: terms.destination,
    paymentHash: terms.paymentHash,
    final: {
      totalMsat: terms.amountMsat,
      paymentSecret: terms.paymentSecret,
      ...(terms.paymentMetadata !== undefined ? { paymentMetadata: terms.paymentMetadata } : {}),
      records,
    },
    finalCltvDelta: terms.finalCltvDelta,
    routeHints: [...terms.routeHints, ...common.routeHints],
    allowMpp: terms.allowMpp,
    maxParts: terms.allowMpp ? (o.maxParts ?? d.maxParts) : 1,
    bolt11: bolt11.trim(),
  };
}
