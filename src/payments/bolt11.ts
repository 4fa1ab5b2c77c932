// src/payments/bolt11.ts: from a BOLT 11 invoice to the terms of a payment: checks a payer must make
// before attempting it (network, expiry, amount, features) and what the final payload must carry.
import { equalBytes } from '../crypto/index.js';
import {
  decodeInvoice,
  type Invoice,
  InvoiceError,
  invoiceExpiresAt,
  isInvoiceExpired,
  type Network,
} from '../invoice/index.js';
import type { RouteHintHop } from '../routing/index.js';
import { FEATURES, Features, missingDependencies } from '../wire/index.js';
import { PaymentError } from './errors.js';

/**
 * Blocks added to the invoice's min_final_cltv_expiry_delta, so that a block found while the HTLC
 * is in flight does not make the recipient refuse it as too close to expiry.
 */
export const FINAL_CLTV_PADDING = 3;

export interface InvoiceTerms {
  invoice: Invoice;
  destination: Uint8Array;
  paymentHash: Uint8Array;
  paymentSecret: Uint8Array;
  paymentMetadata?: Uint8Array;
  /** What we pay (payment_data.total_msat). */
  amountMsat: bigint;
  finalCltvDelta: number;
  routeHints: RouteHintHop[][];
  /** The invoice offers basic_mpp. */
  allowMpp: boolean;
}

export interface InvoiceCheckContext {
  /** The chain this node pays on. */
  network: Network;
  nowMs: number;
  /** Our node id: paying ourselves is refused. */
  nodeId: Uint8Array;
  /** Required for an invoice without an amount; optional otherwise (up to twice the amount). */
  amountMsat?: bigint;
}

/** Decodes and checks an invoice for payment; throws PaymentError saying what is wrong. */
export function invoiceTerms(bolt11: string, ctx: InvoiceCheckContext): InvoiceTerms {
  let invoice: Invoice;
  try {
    invoice = decodeInvoice(bolt11.trim());
  } catch (e) {
    if (e instanceof InvoiceError) {
      throw new PaymentError('invalid_invoice', `the invoice is not valid (${e.reason}): ${e.message}`);
    }
    throw e;
  }
  // BOLT 11: "if it does NOT understand the `prefix`: ... MUST fail the payment." An invoice for
  // another chain is one we cannot pay here.
  if (invoice.network !== ctx.network) {
    throw new PaymentError(
      'wrong_network',
      `the invoice is for ${invoice.network} but this node pays on ${ctx.network}`,
    );
  }
  const nowSeconds = Math.floor(ctx.nowMs / 1000);
  // BOLT 11: "after the `timestamp` plus `expiry` has passed: ... SHOULD NOT attempt a payment."
  if (isInvoiceExpired(invoice, nowSeconds)) {
    throw new PaymentError(
      'invoice_expired',
      `the invoice expired at ${new Date(invoiceExpiresAt(invoice) * 1000).toISOString()}; ask for a new one`,
    );
  }
  if (equalBytes(invoice.payeeNodeId, ctx.nodeId)) {
    throw new PaymentError('invalid_request', 'the invoice is our own: a node cannot pay itself');
  }
  const features = Features.fromBits(invoice.features);
  const missing = missingDependencies(features);
  // BOLT 11: "if the feature vector does not set all known, transitive feature dependencies: ... MUST NOT attempt the payment."
  if (missing.length > 0) {
    const m = missing[0] as (typeof missing)[number];
    throw new PaymentError(
      'unsupported_invoice_features',
      `the invoice sets ${m.feature.name} without ${m.missing.name}, which it depends on`,
    );
  }

  let amountMsat: bigint;
  if (invoice.amountMsat === undefined) {
    if (ctx.amountMsat === undefined) {
      throw new PaymentError(
        'amount_required',
        'the invoice does not say an amount: give the amount to pay (amountMsat)',
      );
    }
    amountMsat = ctx.amountMsat;
  } else if (ctx.amountMsat === undefined) {
    amountMsat = invoice.amountMsat;
  } else {
    // BOLT 4: "MUST set `total_msat` to at least that `amount`, and less"
    // than or equal to twice the amount.
    if (ctx.amountMsat < invoice.amountMsat || ctx.amountMsat > 2n * invoice.amountMsat) {
      throw new PaymentError(
        'invalid_request',
        `the invoice asks ${invoice.amountMsat} msat: an amount given with it must be between that and twice that, got ${ctx.amountMsat}`,
      );
    }
    amountMsat = ctx.amountMsat;
  }
  if (amountMsat <= 0n) throw new PaymentError('invalid_request', 'the amount must be more than 0 msat');

  const terms: InvoiceTerms = {
    invoice,
    destination: invoice.payeeNodeId,
    paymentHash: invoice.paymentHash,
    // BOLT 11: "MUST use the `s` field as [`payment_secret`]" (decodeInvoice requires one).
    paymentSecret: invoice.paymentSecret,
    amountMsat,
    // BOLT 11: "MUST use an expiry delta of at least 18 when making the payment" (the decoder's
    // default when `c` is absent).
    finalCltvDelta: invoice.minFinalCltvExpiryDelta + FINAL_CLTV_PADDING,
    routeHints: invoice.routeHints.map((hint) =>
      hint.map((h) => ({
        nodeId: h.pubkey,
        shortChannelId: h.shortChannelId,
        feeBaseMsat: h.feeBaseMsat,
        feeProportionalMillionths: h.feeProportionalMillionths,
        cltvExpiryDelta: h.cltvExpiryDelta,
      })),
    ),
    // BOLT 11: "if the `basic_mpp` feature is offered in the invoice: ... MAY pay using"
    // several parts; otherwise one HTLC.
    allowMpp: features.offers(FEATURES.basicMpp),
  };
  // BOLT 11: "if an `m` field is provided: ... MUST use that as [`payment_metadata`]"
  if (invoice.paymentMetadata !== undefined) terms.paymentMetadata = invoice.paymentMetadata;
  return terms;
}
