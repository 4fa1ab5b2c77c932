// src/invoices/view.ts: an invoice as the registry shows it: the stored record, whether it is a
// hold invoice, and for keysend the decoded app fields.
import { decodePodcastRecord, PODCAST_RECORD_TYPE } from '../onion/index.js';
import type { InvoiceRecord, StoreTx } from '../store/index.js';
import type { KeysendAppFields } from './app-fields.js';
import { readMeta } from './meta.js';
import type { InvoiceMeta } from './types.js';

/** A stored invoice with the registry's view of it. */
export interface RegistryInvoice extends InvoiceRecord {
  hold: boolean;
  /** Keysend only, when app records came with it: message, sender (verified or not), boost. */
  app?: KeysendAppFields;
}

export function viewOf(record: InvoiceRecord, meta: InvoiceMeta): RegistryInvoice {
  const view: RegistryInvoice = { ...record, hold: meta.hold };
  if (meta.app !== undefined) {
    const app: KeysendAppFields = { ...meta.app };
    // The boost is decoded again from its record, kept byte-exact: the record is the source.
    const podcast = record.customRecords.get(PODCAST_RECORD_TYPE);
    const boost = podcast === undefined ? undefined : decodePodcastRecord(podcast);
    if (boost?.ok === true) app.boost = boost.value;
    view.app = app;
  }
  return view;
}

/** The views of several records, reading their meta in the same transaction. */
export async function viewsOf(tx: StoreTx, records: readonly InvoiceRecord[]): Promise<RegistryInvoice[]> {
  const out: RegistryInvoice[] = [];
  for (const r of records) out.push(viewOf(r, await readMeta(tx, r.paymentHash)));
  return out;
}
