// src/invoices/errors.ts: what an operator or app asked of the registry that it cannot do.

export type RegistryErrorCode =
  | 'invalid_request'
  | 'not_found'
  | 'duplicate_payment_hash'
  | 'invalid_state'
  | 'wrong_preimage';

/** A refused registry request; `code` is for branching, the message says what to do. */
export class RegistryError extends Error {
  override readonly name = 'RegistryError';
  constructor(
    readonly code: RegistryErrorCode,
    message: string,
  ) {
    super(message);
  }
}
