// src/invoice/build.ts: named invoice parameters -> InvoiceContents with a fixed field order.
import { InvoiceError } from './errors.js';
import type { FallbackAddress, InvoiceContents, Network, RouteHint, TaggedField } from './types.js';

/** What a payee chooses when it creates an invoice. */
export interface InvoiceParams {
  readonly network: Network;
  readonly amountMsat?: bigint;
  readonly timestamp: number;
  readonly paymentHash: Uint8Array;
  readonly paymentSecret: Uint8Array;
  /** Exactly one of `description` and `descriptionHash`. */
  readonly description?: string;
  readonly descriptionHash?: Uint8Array;
  readonly paymentMetadata?: Uint8Array;
  /** Adds an `n` field (it must be the signing key's public key); otherwise payers recover it. */
  readonly payeeNodeId?: Uint8Array;
  readonly expirySeconds?: number;
  /** The spec says a writer SHOULD include it; readers assume 18 when it is absent. */
  readonly minFinalCltvExpiryDelta?: number;
  readonly fallbackAddresses?: readonly FallbackAddress[];
  /** Most preferred first. */
  readonly routeHints?: readonly RouteHint[];
  /** Set bits, ascending; an empty list omits the `9` field. */
  readonly features?: readonly number[];
}

/**
 * Lays the parameters out as tagged fields in the order p, s, d|h, m, n, x, c, f…, r…, 9.
 * Values are checked when the contents are encoded.
 */
export function buildInvoiceContents(params: InvoiceParams): InvoiceContents {
  // BOLT 11: "MUST include either exactly one `d` or exactly one `h` field."
  if ((params.description === undefined) === (params.descriptionHash === undefined)) {
    throw new InvoiceError('invalid_contents', 'give exactly one of description and descriptionHash');
  }
  const fields: TaggedField[] = [
    { kind: 'payment_hash', value: params.paymentHash },
    { kind: 'payment_secret', value: params.paymentSecret },
  ];
  if (params.description !== undefined) fields.push({ kind: 'description', value: params.description });
  if (params.descriptionHash !== undefined)
    fields.push({ kind: 'description_hash', value: params.descriptionHash });
  if (params.paymentMetadata !== undefined)
    fields.push({ kind: 'payment_metadata', value: params.paymentMetadata });
  if (params.payeeNodeId !== undefined) fields.push({ kind: 'payee_node_id', value: params.payeeNodeId });
  if (params.expirySeconds !== undefined) fields.push({ kind: 'expiry', value: params.expirySeconds });
  if (params.minFinalCltvExpiryDelta !== undefined) {
    fields.push({ kind: 'min_final_cltv_expiry_delta', value: params.minFinalCltvExpiryDelta });
  }
  for (const f of params.fallbackAddresses ?? []) fields.push({ kind: 'fallback_address', value: f });
  for (const r of params.routeHints ?? []) fields.push({ kind: 'route_hint', value: r });
  // BOLT 11: "MUST omit the `9` field altogether."
  if (params.features !== undefined && params.features.length > 0) {
    fields.push({ kind: 'features', value: params.features });
  }
  return {
    network: params.network,
    ...(params.amountMsat !== undefined ? { amountMsat: params.amountMsat } : {}),
    timestamp: params.timestamp,
    taggedFields: fields,
  };
}
