// src/payments/options.ts: what a caller may ask of a payment, the defaults, and their checks.
import type { RouteHintHop } from '../routing/index.js';
import type { TlvRecord } from '../wire/index.js';
import { PaymentError } from './errors.js';
import type { FinalRecordsInput } from './keysend.js';

export interface PaymentDefaults {
  /** How long the loop keeps starting new attempts (BOLT 4 MPP receivers wait 60 s too). */
  timeoutMs: number;
  /** Blocks the keysend recipient gets on the final HTLC (Whatsat and lnd use 40). */
  keysendFinalCltvDelta: number;
  /** Forwarding nodes refuse HTLCs that expire more than this far ahead. */
  maxCltvExpiryDelta: number;
  /** A bound on attempts per payment, beside the timeout. */
  maxAttempts: number;
  /** Most HTLCs at a time for a multi-part payment. */
  maxParts: number;
}

export const DEFAULT_PAYMENT_DEFAULTS: Readonly<PaymentDefaults> = {
  timeoutMs: 60_000,
  keysendFinalCltvDelta: 40,
  maxCltvExpiryDelta: 2016,
  maxAttempts: 64,
  maxParts: 16,
};

/** Options shared by keysend and invoice payments. */
export interface SendOptions {
  /** Upper bound on the total routing fee. */
  maxFeeMsat?: bigint;
  /** Upper bound on the routing fee in millionths of the amount (with maxFeeMsat: the lower). */
  maxFeePpm?: number;
  /** Stop starting attempts after this long; default 60 s. */
  timeoutMs?: number;
  /** Upper bound on the first HTLC's CLTV expiry minus the current height. */
  maxCltvExpiryDelta?: number;
  /** Extra private paths to the destination (for keysend; an invoice brings its own). */
  routeHints?: readonly (readonly RouteHintHop[])[];
  /** Leave through this channel of ours only. */
  outgoingChannelId?: bigint;
  /** A repeated call with the same key returns the first payment instead of paying again. */
  idempotencyKey?: string;
  maxAttempts?: number;
}

export interface KeysendOptions extends SendOptions, FinalRecordsInput {
  /** Blocks the recipient gets on the final HTLC; default 40. */
  finalCltvDelta?: number;
  /** Send even if the destination does not advertise keysend (feature bit 55). */
  allowWithoutFeature?: boolean;
}

export interface PayInvoiceOptions extends SendOptions {
  /** Required for an invoice without an amount; otherwise up to twice the invoice's. */
  amountMsat?: bigint;
  /** Extra records for the recipient (types >= 65536). */
  customRecords?: ReadonlyMap<bigint, Uint8Array> | readonly TlvRecord[];
  /** Most HTLCs at a time when the invoice allows multi-part payment. */
  maxParts?: number;
}

const isUint = (n: unknown, max = Number.MAX_SAFE_INTEGER): n is number =>
  typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= max;

function bad(message: string): never {
  throw new PaymentError('invalid_request', message);
}

/** Throws PaymentError('invalid_request') for an option outside its range. */
export function checkSendOptions(o: SendOptions & { finalCltvDelta?: number; maxParts?: number }): void {
  if (o.maxFeeMsat !== undefined && (typeof o.maxFeeMsat !== 'bigint' || o.maxFeeMsat < 0n))
    bad('maxFeeMsat must be a bigint >= 0');
  if (o.maxFeePpm !== undefined && !isUint(o.maxFeePpm)) bad('maxFeePpm must be an integer >= 0');
  if (o.timeoutMs !== undefined && !(typeof o.timeoutMs === 'number' && o.timeoutMs > 0))
    bad('timeoutMs must be > 0');
  if (o.maxCltvExpiryDelta !== undefined && !isUint(o.maxCltvExpiryDelta, 0xffff_ffff))
    bad('maxCltvExpiryDelta must be an integer >= 0');
  if (o.finalCltvDelta !== undefined && !isUint(o.finalCltvDelta, 0xffff))
    bad('finalCltvDelta must be an integer from 0 to 65535');
  if (o.maxAttempts !== undefined && !(isUint(o.maxAttempts) && o.maxAttempts >= 1))
    bad('maxAttempts must be an integer >= 1');
  if (o.maxParts !== undefined && !(isUint(o.maxParts) && o.maxParts >= 1))
    bad('maxParts must be an integer >= 1');
  if (
    o.outgoingChannelId !== undefined &&
    (typeof o.outgoingChannelId !== 'bigint' || o.outgoingChannelId < 0n)
  )
    bad('outgoingChannelId must be a short channel id (bigint)');
  if (
    o.idempotencyKey !== undefined &&
    !(typeof o.idempotencyKey === 'string' && o.idempotencyKey.length > 0 && o.idempotencyKey.length <= 256)
  )
    bad('idempotencyKey must be a string of 1 to 256 characters');
}

/**
 * The fee bound of a payment: the lower of the absolute and proportional limits given, or by
 * default the amount itself up to 1,000 sat and 5 % above (small payments meet base fees that are
 * large next to them).
 */
export function maxFeeFor(amountMsat: bigint, o: Pick<SendOptions, 'maxFeeMsat' | 'maxFeePpm'>): bigint {
  const limits: bigint[] = [];
  if (o.maxFeeMsat !== undefined) limits.push(o.maxFeeMsat);
  if (o.maxFeePpm !== undefined) limits.push((amountMsat * BigInt(o.maxFeePpm)) / 1_000_000n);
  if (limits.length === 0) return amountMsat <= 1_000_000n ? amountMsat : (amountMsat * 5n) / 100n;
  let lowest = limits[0] as bigint;
  for (const l of limits) if (l < lowest) lowest = l;
  return lowest;
}
