// src/invoice/errors.ts: why an invoice was refused (decoding) or could not be built (encoding).

/** A machine-readable reason; the message says what exactly was wrong. */
export type InvoiceErrorReason =
  /** Not a bech32 string: no separator, mixed case, a character outside the alphabet, ... */
  | 'bech32_malformed'
  | 'bech32_checksum'
  /** Not `ln` followed by a currency prefix we know. */
  | 'unknown_prefix'
  | 'invalid_amount'
  | 'invalid_multiplier'
  | 'sub_millisatoshi_amount'
  /** Fewer 5-bit words than a timestamp plus a signature. */
  | 'too_short'
  /** A tagged field claims more data than is left before the signature. */
  | 'truncated_field'
  /** A `p`, `h`, `s` or `n` field whose data_length is not 52, 52, 52, 53. */
  | 'invalid_field_length'
  /** A field whose data cannot be what its type says (bad padding, invalid key, bad UTF-8, ...). */
  | 'invalid_field'
  /** An `x`, `c` or `9` field starting with a zero word. */
  | 'non_minimal_field'
  | 'duplicate_field'
  | 'missing_payment_hash'
  | 'missing_payment_secret'
  | 'missing_description'
  | 'conflicting_description'
  | 'unknown_required_feature'
  | 'invalid_signature'
  | 'high_s_signature'
  /** Encoding only: a field too long for the 10-bit data_length. */
  | 'field_too_long'
  /** Encoding only: a value outside its field's range or not what the field can hold. */
  | 'invalid_contents';

/** The one error type this module throws for untrusted input and unencodable contents. */
export class InvoiceError extends Error {
  override name = 'InvoiceError';
  readonly reason: InvoiceErrorReason;
  /** The tagged field concerned, by its bech32 letter (`p`, `s`, `9`, ...), when there is one. */
  readonly field: string | undefined;

  constructor(reason: InvoiceErrorReason, message: string, field?: string) {
    super(message);
    this.reason = reason;
    this.field = field;
  }
}
