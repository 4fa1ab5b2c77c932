// src/invoice/rules.ts: which fields an invoice must have, and how many of each.
// Shared by the reader and the writer, so that whatever we encode we would also accept.
import { InvoiceError } from './errors.js';
import { TAGS } from './fields.js';
import type { TaggedField, TaggedFieldKind } from './types.js';
import { tagLetter } from './words.js';

// Kinds that name one value: a second copy would leave it ambiguous which one the payer uses.
// (`f` and `r` may repeat: "MAY include more than one `r` field to provide multiple routing options".)
const SINGLE: readonly Exclude<TaggedFieldKind, 'unknown' | 'fallback_address' | 'route_hint'>[] = [
  'payment_hash',
  'payment_secret',
  'description',
  'description_hash',
  'payee_node_id',
  'expiry',
  'min_final_cltv_expiry_delta',
  'payment_metadata',
  'features',
];

/** Throws InvoiceError unless the field set has exactly one p, one s, one of d/h, and no repeats. */
export function checkFieldCounts(fields: readonly TaggedField[]): void {
  const count = new Map<TaggedFieldKind, number>();
  for (const f of fields) count.set(f.kind, (count.get(f.kind) ?? 0) + 1);
  const n = (k: TaggedFieldKind): number => count.get(k) ?? 0;

  // BOLT 11: "MUST include exactly one `p` field."
  if (n('payment_hash') === 0)
    throw new InvoiceError('missing_payment_hash', 'no payment hash (p field)', 'p');
  // BOLT 11: "if a valid `s` field is not provided:"
  if (n('payment_secret') === 0) {
    throw new InvoiceError('missing_payment_secret', 'no payment secret (s field)', 's');
  }
  // BOLT 11: "MUST fail the payment if neither a `d` field nor a `h` field is present, or if both are present."
  if (n('description') === 0 && n('description_hash') === 0) {
    throw new InvoiceError('missing_description', 'neither a description (d) nor a description hash (h)');
  }
  if (n('description') > 0 && n('description_hash') > 0) {
    throw new InvoiceError('conflicting_description', 'both a description (d) and a description hash (h)');
  }
  for (const kind of SINGLE) {
    if (n(kind) > 1) {
      const letter = tagLetter(TAGS[kind]);
      throw new InvoiceError('duplicate_field', `${n(kind)} ${letter} fields, expected at most one`, letter);
    }
  }
}
