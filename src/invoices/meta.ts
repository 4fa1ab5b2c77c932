// src/invoices/meta.ts: the registry's bookkeeping beside each invoice (hold flag, payment
// secret, final CLTV delta, the HTLCs that paid it, a keysend's decoded app fields), kept as JSON
// in the store's key-value table under the payment hash, written in the invoice's transaction.
import { bytesToHex, hexToBytes } from '../crypto/index.js';
import type { KvNamespace, StoreTx } from '../store/index.js';
import type { InvoiceMeta, StoredAppFields } from './types.js';

/** The key-value namespace holding one meta entry per invoice, keyed by payment hash (hex). */
export const INVOICE_META_NAMESPACE = 'invoices.meta';

/** Meta for an invoice created elsewhere (or before meta existed): plain, not hold, no MPP. */
export const EMPTY_META: InvoiceMeta = Object.freeze({ hold: false, mpp: false, htlcs: [] });

interface MetaJson {
  v: 1;
  hold?: boolean;
  secret?: string;
  c?: number;
  mpp?: boolean;
  htlcs?: string[];
  app?: {
    message?: string;
    sender?: string;
    verified?: boolean;
    unverifiedReason?: string;
    ts?: string;
  };
}

export function encodeMeta(meta: InvoiceMeta): Uint8Array {
  const j: MetaJson = { v: 1 };
  if (meta.hold) j.hold = true;
  if (meta.paymentSecret !== undefined) j.secret = bytesToHex(meta.paymentSecret);
  if (meta.minFinalCltvExpiryDelta !== undefined) j.c = meta.minFinalCltvExpiryDelta;
  if (meta.mpp) j.mpp = true;
  if (meta.htlcs.length > 0) j.htlcs = [...meta.htlcs];
  if (meta.app !== undefined) {
    const a = meta.app;
    j.app = { verified: a.senderVerified };
    if (a.message !== undefined) j.app.message = a.message;
    if (a.senderNodeId !== undefined) j.app.sender = bytesToHex(a.senderNodeId);
    if (a.senderUnverifiedReason !== undefined) j.app.unverifiedReason = a.senderUnverifiedReason;
    if (a.timestampNs !== undefined) j.app.ts = a.timestampNs.toString();
  }
  return new TextEncoder().encode(JSON.stringify(j));
}

/** Reads what `encodeMeta` wrote; a value it cannot read is a corrupt database, so it throws. */
export function decodeMeta(bytes: Uint8Array): InvoiceMeta {
  const j = JSON.parse(new TextDecoder().decode(bytes)) as MetaJson;
  if (typeof j !== 'object' || j === null || j.v !== 1)
    throw new Error('invoice meta: expected a version 1 JSON object');
  const meta: InvoiceMeta = { hold: j.hold === true, mpp: j.mpp === true, htlcs: j.htlcs ?? [] };
  if (j.secret !== undefined) meta.paymentSecret = hexToBytes(j.secret);
  if (j.c !== undefined) meta.minFinalCltvExpiryDelta = j.c;
  if (j.app !== undefined) {
    const app: StoredAppFields = { senderVerified: j.app.verified === true };
    if (j.app.message !== undefined) app.message = j.app.message;
    if (j.app.sender !== undefined) app.senderNodeId = hexToBytes(j.app.sender);
    if (j.app.unverifiedReason !== undefined) app.senderUnverifiedReason = j.app.unverifiedReason;
    if (j.app.ts !== undefined) app.timestampNs = BigInt(j.app.ts);
    meta.app = app;
  }
  return meta;
}

function ns(tx: StoreTx): KvNamespace {
  return tx.kv(INVOICE_META_NAMESPACE);
}

export async function readMeta(tx: StoreTx, paymentHash: Uint8Array): Promise<InvoiceMeta> {
  const v = await ns(tx).get(bytesToHex(paymentHash));
  return v === undefined ? EMPTY_META : decodeMeta(v);
}

export async function writeMeta(tx: StoreTx, paymentHash: Uint8Array, meta: InvoiceMeta): Promise<void> {
  await ns(tx).put(bytesToHex(paymentHash), encodeMeta(meta));
}
