// src/invoices/create.ts: a BOLT 11 invoice from a request: checks, fresh preimage and payment
// secret, contents, signature. Pure apart from the injected signer and random source.
import { sha256 } from '../crypto/index.js';
import {
  buildInvoiceContents,
  DEFAULT_EXPIRY_SECONDS,
  encodeSignedInvoice,
  invoiceSigningHash,
  type Network,
} from '../invoice/index.js';
import type { CreateInvoiceRequest, InvoiceSigner } from './api.js';
import { RegistryError } from './errors.js';
import type { InvoiceMeta } from './types.js';

// BOLT 11 `9` field: var_onion_optin (8) and payment_secret (14) required, basic_mpp (17) optional.
const INVOICE_FEATURES = [8, 14];
const BASIC_MPP_OPTIONAL = 17;

export interface InvoiceContext {
  network: Network;
  /** Unix milliseconds: the invoice timestamp is its whole seconds. */
  nowMs: number;
  sign: InvoiceSigner;
  randomBytes: (n: number) => Uint8Array;
  /** Offer `basic_mpp`. */
  acceptMpp: boolean;
  /** The `c` to write when the request gives none. */
  minFinalCltvExpiryDelta: number;
}

export interface PreparedInvoice {
  bolt11: string;
  paymentHash: Uint8Array;
  paymentSecret: Uint8Array;
  /** null for a hold invoice made from the caller's payment hash. */
  preimage: Uint8Array | null;
  meta: InvoiceMeta;
  /** Unix milliseconds: (timestamp + expiry) seconds. */
  expiresAt: number;
}

/**
 * Checks the request and builds the signed invoice. Throws RegistryError('invalid_request') for a
 * bad amount, expiry or payment hash, and InvoiceError for contents BOLT 11 forbids (e.g. both or
 * neither of description and description hash).
 */
export function prepareInvoice(req: CreateInvoiceRequest, ctx: InvoiceContext): PreparedInvoice {
  const hold = req.hold === true;
  if (req.amountMsat !== undefined && req.amountMsat <= 0n)
    throw new RegistryError('invalid_request', `amountMsat must be positive, got ${req.amountMsat}`);
  const expirySeconds = req.expirySeconds ?? DEFAULT_EXPIRY_SECONDS;
  if (!Number.isSafeInteger(expirySeconds) || expirySeconds <= 0)
    throw new RegistryError(
      'invalid_request',
      `expirySeconds must be a positive integer, got ${expirySeconds}`,
    );
  if (req.paymentHash !== undefined && (!hold || req.paymentHash.length !== 32))
    throw new RegistryError(
      'invalid_request',
      'paymentHash is for hold invoices only (32 bytes); other invoices get a fresh preimage',
    );
  const minFinalCltvExpiryDelta = req.minFinalCltvExpiryDelta ?? ctx.minFinalCltvExpiryDelta;
  const timestamp = Math.floor(ctx.nowMs / 1000);
  const preimage = req.paymentHash === undefined ? ctx.randomBytes(32) : null;
  const paymentHash = preimage === null ? Uint8Array.from(req.paymentHash!) : sha256(preimage);
  const paymentSecret = ctx.randomBytes(32);
  const contents = buildInvoiceContents({
    network: ctx.network,
    ...(req.amountMsat !== undefined ? { amountMsat: req.amountMsat } : {}),
    timestamp,
    paymentHash,
    paymentSecret,
    ...(req.description !== undefined ? { description: req.description } : {}),
    ...(req.descriptionHash !== undefined ? { descriptionHash: req.descriptionHash } : {}),
    expirySeconds,
    minFinalCltvExpiryDelta,
    routeHints: req.routeHints ?? [],
    features: ctx.acceptMpp ? [...INVOICE_FEATURES, BASIC_MPP_OPTIONAL] : INVOICE_FEATURES,
  });
  const bolt11 = encodeSignedInvoice(contents, ctx.sign(invoiceSigningHash(contents)));
  return {
    bolt11,
    paymentHash,
    paymentSecret,
    preimage,
    meta: { hold, paymentSecret, minFinalCltvExpiryDelta, mpp: ctx.acceptMpp, htlcs: [] },
    expiresAt: (timestamp + expirySeconds) * 1000,
  };
}
