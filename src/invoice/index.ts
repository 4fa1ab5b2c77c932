// src/invoice: BOLT 11 invoices: decode (with signature check), build, encode and sign.
//
//   const invoice = decodeInvoice(text);              // throws InvoiceError with a reason
//   const contents = buildInvoiceContents({ network: 'regtest', timestamp, paymentHash, ... });
//   const text = encodeInvoice(contents, nodePrivateKey);
//
// A decoded Invoice is also an InvoiceContents: encodeInvoice(invoice, key) reproduces it.

export { buildInvoiceContents, type InvoiceParams } from './build.js';
export { descriptionHashMatches, invoiceExpiresAt, isInvoiceExpired } from './checks.js';
export {
  DEFAULT_EXPIRY_SECONDS,
  DEFAULT_MIN_FINAL_CLTV_EXPIRY_DELTA,
  type DecodeInvoiceOptions,
  decodeInvoice,
} from './decode.js';
export {
  type EncodeInvoiceOptions,
  encodeInvoice,
  encodeSignedInvoice,
  invoiceSigningData,
  invoiceSigningHash,
} from './encode.js';
export { InvoiceError, type InvoiceErrorReason } from './errors.js';
export { fallbackAddressToString } from './fallback.js';
export { DEFAULT_KNOWN_FEATURE_BITS } from './features.js';
export { MAX_AMOUNT_MSAT } from './hrp.js';
export type { RecoverableSignature } from './signature.js';
export type {
  FallbackAddress,
  Invoice,
  InvoiceContents,
  Network,
  RouteHint,
  RouteHintHop,
  TaggedField,
  TaggedFieldKind,
  UnknownTaggedField,
} from './types.js';
