// src/invoice/types.ts: the shapes of a BOLT 11 invoice, decoded or about to be encoded.

/** The chain an invoice asks to be paid on, named after its BOLT 11 currency prefix. */
export type Network = 'bitcoin' | 'testnet' | 'signet' | 'regtest';

/**
 * An on-chain fallback (`f` field). `version` is the 5-bit version word: 0–16 are witness versions
 * with `program` the witness program, 17 is P2PKH and 18 is P2SH with `program` the 20-byte hash.
 */
export interface FallbackAddress {
  readonly version: number;
  readonly program: Uint8Array;
}

/** One hop of a private route (`r` field entry): the channel starting at `pubkey`. */
export interface RouteHintHop {
  /** 33-byte compressed node id of the start of the channel. */
  readonly pubkey: Uint8Array;
  /** The short_channel_id as the u64 it is on the wire (block << 40 | tx << 16 | output). */
  readonly shortChannelId: bigint;
  readonly feeBaseMsat: bigint;
  readonly feeProportionalMillionths: number;
  readonly cltvExpiryDelta: number;
}

/** One `r` field: ordered hops forming the route from a public node to the payee. */
export type RouteHint = readonly RouteHintHop[];

/** A tagged field this module does not interpret (or must skip), kept as raw 5-bit words. */
export interface UnknownTaggedField {
  /** The 5-bit type (0–31). */
  readonly tag: number;
  /** The field data as 5-bit words (each 0–31), exactly as it appeared. */
  readonly words: Uint8Array;
}

/**
 * One tagged field, in the order it appears in the invoice. The order is kept because it is
 * signed and because the spec gives it meaning ("most-preferred field first").
 */
export type TaggedField =
  | { readonly kind: 'payment_hash'; readonly value: Uint8Array }
  | { readonly kind: 'payment_secret'; readonly value: Uint8Array }
  | { readonly kind: 'description'; readonly value: string }
  | { readonly kind: 'payment_metadata'; readonly value: Uint8Array }
  | { readonly kind: 'payee_node_id'; readonly value: Uint8Array }
  | { readonly kind: 'description_hash'; readonly value: Uint8Array }
  | { readonly kind: 'expiry'; readonly value: number }
  | { readonly kind: 'min_final_cltv_expiry_delta'; readonly value: number }
  | { readonly kind: 'fallback_address'; readonly value: FallbackAddress }
  | { readonly kind: 'route_hint'; readonly value: RouteHint }
  | { readonly kind: 'features'; readonly value: readonly number[] }
  | { readonly kind: 'unknown'; readonly value: UnknownTaggedField };

export type TaggedFieldKind = TaggedField['kind'];

/** Everything an invoice signature covers: the human-readable part and the data before the signature. */
export interface InvoiceContents {
  readonly network: Network;
  /** Absent when the payer chooses the amount (donations). */
  readonly amountMsat?: bigint;
  /** Seconds since 1970 (35 bits). */
  readonly timestamp: number;
  readonly taggedFields: readonly TaggedField[];
}

/**
 * A decoded, signature-checked invoice: its contents plus named views of the fields
 * (defaults applied) and the signature. Encoding `taggedFields` again yields the same invoice.
 */
export interface Invoice extends InvoiceContents {
  readonly paymentHash: Uint8Array;
  readonly paymentSecret: Uint8Array;
  /** Exactly one of `description` and `descriptionHash` is present. */
  readonly description?: string;
  readonly descriptionHash?: Uint8Array;
  readonly paymentMetadata?: Uint8Array;
  /** From the `n` field when present, else recovered from the signature. */
  readonly payeeNodeId: Uint8Array;
  /** True when there was no `n` field and `payeeNodeId` came from public-key recovery. */
  readonly payeeNodeIdRecovered: boolean;
  /** `x`, default 3600. */
  readonly expirySeconds: number;
  /** `c`, default 18. */
  readonly minFinalCltvExpiryDelta: number;
  /** Every understood `f` field, most preferred first. */
  readonly fallbackAddresses: readonly FallbackAddress[];
  /** Every `r` field, most preferred first. */
  readonly routeHints: readonly RouteHint[];
  /** Set feature bits (`9` field), ascending. */
  readonly features: readonly number[];
  /** Fields kept but not interpreted (unknown types, `f` with an unknown version, ...). */
  readonly unknownFields: readonly UnknownTaggedField[];
  /** The 64-byte compact signature (R || S) exactly as encoded (it may be high-S if recovered). */
  readonly signature: Uint8Array;
  /** 0–3. */
  readonly recoveryId: number;
}
