// src/invoices/api.ts: the registry's public request and result shapes.
import type { Network, RecoverableSignature, RouteHint } from '../invoice/index.js';
import type { InvoiceState, Store } from '../store/index.js';
import type { RateLimit } from './rate-limit.js';
import type { FinalFailure, FinalHtlcDecision, HtlcKey, ReceivePolicy } from './types.js';
import type { RegistryInvoice } from './view.js';

/** Signs a BOLT 11 signing hash with the node key (the key itself stays with the caller). */
export type InvoiceSigner = (hash32: Uint8Array) => RecoverableSignature;

export interface InvoiceRegistryOptions {
  store: Store;
  /** This node's id: the recipient Whatsat senders sign for. */
  nodeId: Uint8Array;
  network: Network;
  signInvoice: InvoiceSigner;
  /** Secure random bytes (preimages, payment secrets). */
  randomBytes: (n: number) => Uint8Array;
  /** Unix milliseconds. */
  clock: () => number;
  policy?: Partial<ReceivePolicy>;
  /** Per-peer limit on incoming keysend HTLCs; false turns it off. */
  keysendRateLimit?: RateLimit | false;
  /** BOLT 4 asks for at least 60 s after the first part; default 60,000. */
  mppTimeoutMs?: number;
  /** Held HTLCs are failed once their `cltv_expiry` is this close to the tip; default 12 blocks. */
  holdExpiryDeltaBlocks?: number;
  /** The `c` written into new invoices; default 40 (what keysend senders use too). */
  invoiceMinFinalCltvExpiryDelta?: number;
}

export interface CreateInvoiceRequest {
  /** Omit for an any-amount invoice. */
  amountMsat?: bigint;
  /** Exactly one of `description` and `descriptionHash`. */
  description?: string;
  descriptionHash?: Uint8Array;
  /** Default 3600. */
  expirySeconds?: number;
  /** Private channels to reach this node through (`r` fields), most preferred first. */
  routeHints?: readonly RouteHint[];
  /** Hold the paid HTLCs until `settleHold` or `cancel`. */
  hold?: boolean;
  /** Hold invoices only: the hash of a preimage the caller keeps (given later to `settleHold`). */
  paymentHash?: Uint8Array;
  minFinalCltvExpiryDelta?: number;
}

export interface CreatedInvoice {
  bolt11: string;
  paymentHash: Uint8Array;
  paymentSecret: Uint8Array;
  /** null for a hold invoice created from a caller's payment hash. */
  preimage: Uint8Array | null;
  invoice: RegistryInvoice;
}

/** What the channel layer must do with one HTLC. */
export type HtlcResolution =
  | { kind: 'settle'; htlc: HtlcKey; preimage: Uint8Array }
  | { kind: 'fail'; htlc: HtlcKey; failure: FinalFailure; reason: string }
  /** Keep it: it is part of an incomplete multi-part payment, or held. Resolved by a later call. */
  | { kind: 'wait'; htlc: HtlcKey };

export interface FinalHtlcOutcome {
  decision: FinalHtlcDecision;
  /** The arriving HTLC's resolution first, then those of the other HTLCs of its set, if resolved. */
  resolutions: HtlcResolution[];
  /** The invoice as written, when this HTLC settled it or completed a hold invoice's set. */
  invoice?: RegistryInvoice;
}

export interface Resolved {
  resolutions: HtlcResolution[];
}

export interface ListInvoicesQuery {
  /** An `addIndex` cursor (exclusive); 0 (the default) starts at the oldest, or the newest when reversed. */
  offset?: number;
  /** Default 100. */
  limit?: number;
  keysendOnly?: boolean;
  state?: InvoiceState;
  /** Newest first. */
  reversed?: boolean;
}

export interface InvoicePage {
  invoices: RegistryInvoice[];
  /** Pass as `offset` to continue; undefined when nothing was scanned. */
  nextOffset: number | undefined;
}
