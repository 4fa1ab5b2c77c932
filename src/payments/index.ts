// src/payments: sending payments. Keysend (bLIP 3) with custom records, Whatsat chat (optionally
// signed) and bLIP 10 podcast records, and BOLT 11 invoices (payment secret, metadata, route
// hints, multi-part), all through one payment loop that retries on failure, stores every attempt
// and survives restarts.
//
//   const loop = new PaymentLoop({ store, graph, scorer, htlcSender, localChannels, nodeId, ... });
//   await loop.resumeInFlight();                       // once, after a restart
//   channelLayer.onOutcome((id, outcome) => loop.onHtlcResolved(id, outcome));
//   const { payment } = await loop.keysend(dest, 10_000n, { message: 'hi', signMessage: true });

export type { AttemptFailureDetail, StoredAttempt } from './attempt.js';
export { decodeAttempt } from './attempt.js';
export { FINAL_CLTV_PADDING, type InvoiceTerms, invoiceTerms } from './bolt11.js';
export { checkFailureChannelUpdate, decodeFailureChannelUpdate } from './channel-update.js';
export {
  analyzeClosed,
  analyzeFailure,
  analyzeMalformed,
  analyzeRefusal,
  type ChannelFailure,
  type FailureAnalysis,
} from './classify.js';
export { PaymentError, type PaymentErrorCode } from './errors.js';
export type { PaymentEvent, PaymentListener } from './events.js';
export { buildFinalRecords, type FinalRecordsInput, validateCustomRecords } from './keysend.js';
export type { AttemptView, PaymentView } from './ledger.js';
export { PaymentLoop, type PaymentLoopConfig, type PaymentResult, type PaymentStart } from './loop.js';
export {
  DEFAULT_PAYMENT_DEFAULTS,
  type KeysendOptions,
  maxFeeFor,
  type PayInvoiceOptions,
  type PaymentDefaults,
  type SendOptions,
} from './options.js';
export {
  type FinalPayloadSpec,
  finalPayload,
  MAX_FORWARD_SHIFT,
  maxHopsForFinalPayload,
  routePayloads,
} from './payload.js';
export type { PaymentKind, PaymentPlan } from './plan.js';
export {
  type AddResult,
  type AttemptId,
  attemptId,
  type HtlcOutcome,
  type HtlcSender,
  type LocalChannels,
  parseAttemptId,
  type SendHtlcRequest,
} from './types.js';
