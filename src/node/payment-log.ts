// src/node/payment-log.ts: what the node's log says about each payment event. The payment hash
// and every attempt's outcome are in it, so that a payment can be followed through the logs of
// both ends (the recipient logs the same hash when it settles or refuses).
import { bytesToHex } from '../crypto/index.js';
import type { PaymentEvent } from '../payments/index.js';

/** The payment an event is about. */
export function paymentIdOf(e: PaymentEvent): number {
  return e.type === 'payment_created' || e.type === 'payment_succeeded' || e.type === 'payment_failed'
    ? e.payment.id
    : e.paymentId;
}

/**
 * The level a payment event is logged at: its outcome and each failed attempt (or one left to the
 * chain) at info, its creation and each attempt's start at debug, so that a busy node writes one
 * info line per payment.
 */
export function paymentLogLevel(e: PaymentEvent): 'info' | 'debug' {
  return e.type === 'payment_created' || e.type === 'attempt_started' ? 'debug' : 'info';
}

/** Structured log fields for a payment event. */
export function paymentLogFields(e: PaymentEvent): Record<string, string | number | null> {
  switch (e.type) {
    case 'payment_created':
      return {
        paymentId: e.payment.id,
        paymentHash: bytesToHex(e.payment.paymentHash),
        amountMsat: e.payment.amountMsat.toString(),
      };
    case 'attempt_started':
      return {
        paymentId: e.paymentId,
        attempt: e.attemptNumber,
        firstHop: e.route.hops[0]?.shortChannelId.toString() ?? null,
      };
    case 'attempt_failed':
      return {
        paymentId: e.paymentId,
        attempt: e.attemptNumber,
        failingHop: e.failingHop,
        failure: e.failureName ?? null,
        reason: e.reason,
      };
    case 'attempt_onchain':
      return { paymentId: e.paymentId, attempt: e.attemptNumber, reason: e.reason };
    case 'payment_succeeded':
      return { paymentId: e.payment.id };
    case 'payment_failed':
      return { paymentId: e.payment.id, reason: e.payment.failureReason };
  }
}
