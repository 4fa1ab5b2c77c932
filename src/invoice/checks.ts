// src/invoice/checks.ts: questions a payer or payee asks of a decoded invoice. Time is an argument.
import { equalBytes, sha256 } from '../crypto/index.js';
import type { Invoice } from './types.js';

/** Seconds since 1970 at which the invoice expires (timestamp + expiry). */
export function invoiceExpiresAt(invoice: Pick<Invoice, 'timestamp' | 'expirySeconds'>): number {
  return invoice.timestamp + invoice.expirySeconds;
}

/** True once `nowSeconds` has reached timestamp + expiry. */
export function isInvoiceExpired(
  invoice: Pick<Invoice, 'timestamp' | 'expirySeconds'>,
  nowSeconds: number,
): boolean {
  // BOLT 11: "after the `timestamp` plus `expiry` has passed:"
  return nowSeconds >= invoiceExpiresAt(invoice);
}

/**
 * True if the invoice carries an `h` field and it is the SHA-256 of `description`
 * (a string is hashed as UTF-8). False when there is no `h` field.
 */
export function descriptionHashMatches(
  invoice: Pick<Invoice, 'descriptionHash'>,
  description: string | Uint8Array,
): boolean {
  if (invoice.descriptionHash === undefined) return false;
  const bytes = typeof description === 'string' ? new TextEncoder().encode(description) : description;
  // BOLT 11: "MUST check that the SHA2 256-bit hash in the `h` field exactly matches the hashed"
  return equalBytes(sha256(bytes), invoice.descriptionHash);
}
