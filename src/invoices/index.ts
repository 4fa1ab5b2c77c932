// src/invoices: the invoice registry: receiving keysend (bLIP 3) and BOLT 11 payments, ad-hoc
// keysend invoices with their records and decoded app fields, hold invoices, multi-part sets,
// and a replayable stream of settled invoices.
//
//   const registry = new InvoiceRegistry({ store, nodeId, network, signInvoice, randomBytes, clock });
//   const { bolt11 } = await registry.createInvoice({ amountMsat: 50_000n, description: 'coffee' });
//   const parsed = parseFinalPayload(raw, registry.knownEvenTypes);      // src/onion
//   const { resolutions } = await registry.onFinalHtlc(htlc, parsed.payload, height);
//   for await (const invoice of registry.subscribe(lastSettleIndex)) { ... }

export type {
  CreatedInvoice,
  CreateInvoiceRequest,
  FinalHtlcOutcome,
  HtlcResolution,
  InvoicePage,
  InvoiceRegistryOptions,
  InvoiceSigner,
  ListInvoicesQuery,
  Resolved,
} from './api.js';
export { decodeKeysendAppFields, type KeysendAppFields, keysendMemo } from './app-fields.js';
export { decideInvoicePayment } from './bolt11.js';
export { type InvoiceContext, type PreparedInvoice, prepareInvoice } from './create.js';
export { decideFinalHtlc } from './decide.js';
export { RegistryError, type RegistryErrorCode } from './errors.js';
export {
  finalIncorrectCltvExpiry,
  finalIncorrectHtlcAmount,
  incorrectOrUnknownPaymentDetails,
  invalidOnionPayload,
  MPP_TIMEOUT,
} from './failures.js';
export { htlcKeyString } from './htlc-key.js';
export { decideKeysend } from './keysend.js';
export { INVOICE_META_NAMESPACE } from './meta.js';
export { DEFAULT_RECEIVE_POLICY, receivePolicy } from './policy.js';
export { DEFAULT_KEYSEND_RATE_LIMIT, type RateLimit, TokenBuckets } from './rate-limit.js';
export { InvoiceRegistry } from './registry.js';
export type { SettledInvoiceStream } from './subscription.js';
export type {
  FinalFailure,
  FinalFailureName,
  FinalHtlcDecision,
  HtlcKey,
  HtlcSetView,
  IncomingHtlc,
  InvoiceMeta,
  KnownInvoice,
  KnownState,
  ReceivePolicy,
  StoredAppFields,
} from './types.js';
export type { RegistryInvoice } from './view.js';
