// src/payments/errors.ts: why a payment could not even be started. Failures after a payment
// exists (no route, timeout, the recipient refused) are not thrown: they are the payment's
// `failed` status and `failureReason`.

export type PaymentErrorCode =
  /** Amount, destination or an option is not acceptable as given. */
  | 'invalid_request'
  /** A custom record is below 65536, a duplicate, or the keysend preimage type. */
  | 'invalid_custom_record'
  /** The final payload cannot fit the onion on any route the graph offers. */
  | 'records_too_large'
  /** The destination does not advertise keysend (bit 54/55) and no override was given. */
  | 'keysend_not_supported'
  /** A signed message was asked for but the loop has no node key. */
  | 'no_signing_key'
  /** The random source returned a preimage whose hash we already know. */
  | 'preimage_reuse'
  /** The idempotency key belongs to a payment with other parameters. */
  | 'idempotency_key_reused'
  | 'invalid_invoice'
  | 'wrong_network'
  | 'invoice_expired'
  /** A zero-amount invoice was given without an amount. */
  | 'amount_required'
  | 'unsupported_invoice_features'
  /** The invoice's payment hash was paid already. */
  | 'already_paid'
  /** A payment for the invoice's hash is still in flight. */
  | 'payment_in_flight';

/** Thrown by the loop's entry points; `code` says what, the message says what to do. */
export class PaymentError extends Error {
  override readonly name = 'PaymentError';
  constructor(
    readonly code: PaymentErrorCode,
    message: string,
  ) {
    super(message);
  }
}
