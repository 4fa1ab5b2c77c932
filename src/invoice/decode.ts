// src/invoice/decode.ts: string -> checked Invoice, following the BOLT 11 reader requirements.
import { decodeBech32 } from './bech32.js';
import { InvoiceError } from './errors.js';
import { DEFAULT_KNOWN_FEATURE_BITS, unknownRequiredFeatureBits } from './features.js';
import { decodeTaggedField } from './fields.js';
import { parseHrp } from './hrp.js';
import { checkFieldCounts } from './rules.js';
import { checkSignature, SIGNATURE_WORDS, signingHash } from './signature.js';
import type { Invoice, InvoiceContents, TaggedField } from './types.js';
import { wordsToBigInt, wordsToBytes } from './words.js';

export const TIMESTAMP_WORDS = 7;
// BOLT 11: "`x` (6): `data_length` variable. `expiry` time in seconds (big-endian). Default is 3600 (1 hour) if not specified."
export const DEFAULT_EXPIRY_SECONDS = 3600;
// BOLT 11: "MUST use an expiry delta of at least 18 when making the payment"
export const DEFAULT_MIN_FINAL_CLTV_EXPIRY_DELTA = 18;

export interface DecodeInvoiceOptions {
  /**
   * Even feature bits this node understands; any other even bit set makes decoding fail.
   * Defaults to DEFAULT_KNOWN_FEATURE_BITS.
   */
  readonly knownFeatureBits?: ReadonlySet<number>;
  /**
   * Keep `p`, `h`, `s`, `n` fields of the wrong length as unknown fields instead of failing
   * (the older reader rule). Default false: the current spec requires failing.
   */
  readonly skipWrongLengthFields?: boolean;
}

/**
 * Decodes a BOLT 11 invoice and checks its signature. Accepts upper or lower case (not mixed)
 * and any length. Throws InvoiceError, whose `reason` says what was wrong, for every invalid input.
 */
export function decodeInvoice(text: string, options: DecodeInvoiceOptions = {}): Invoice {
  const { hrp, words } = decodeBech32(text);
  const { network, amountMsat } = parseHrp(hrp);
  if (words.length < TIMESTAMP_WORDS + SIGNATURE_WORDS) {
    throw new InvoiceError(
      'too_short',
      `data part has ${words.length} words, fewer than the ${TIMESTAMP_WORDS + SIGNATURE_WORDS} of a timestamp and a signature`,
    );
  }
  const dataEnd = words.length - SIGNATURE_WORDS;
  const timestamp = Number(wordsToBigInt(words.subarray(0, TIMESTAMP_WORDS)));
  const taggedFields = readTaggedFields(
    words.subarray(TIMESTAMP_WORDS, dataEnd),
    options.skipWrongLengthFields ?? false,
  );

  // The signature is judged before the field counts: an invoice nobody signed says nothing about
  // its payee, and the spec's high-S-with-`n` example (which also repeats `s`) expects that order.
  // 520 bits are exactly 65 bytes, so the conversion cannot fail.
  const sigBytes = wordsToBytes(words.subarray(dataEnd))!;
  const signature = sigBytes.slice(0, 64);
  const recoveryId = sigBytes[64]!;
  const n = taggedFields.find((f) => f.kind === 'payee_node_id');
  // BOLT 11: "MUST check that the `signature` is valid (see the `n` tagged field specified below)."
  const payeeNodeId = checkSignature(
    signingHash(hrp, words.subarray(0, dataEnd)),
    { signature, recoveryId },
    n?.value,
  );

  checkFieldCounts(taggedFields);
  const contents: InvoiceContents = {
    network,
    ...(amountMsat !== undefined ? { amountMsat } : {}),
    timestamp,
    taggedFields,
  };
  const invoice = describeInvoice(contents, signature, recoveryId, payeeNodeId, n === undefined);
  // BOLT 11: "if the `9` field contains unknown _even_ bits that are non-zero:"
  const unknownEven = unknownRequiredFeatureBits(
    invoice.features,
    options.knownFeatureBits ?? DEFAULT_KNOWN_FEATURE_BITS,
  );
  if (unknownEven.length > 0) {
    // BOLT 11: "SHOULD indicate the unknown bit to the user."
    throw new InvoiceError(
      'unknown_required_feature',
      `invoice requires feature bit${unknownEven.length > 1 ? 's' : ''} ${unknownEven.join(', ')}, which this node does not know`,
      '9',
    );
  }
  return invoice;
}

function readTaggedFields(words: Uint8Array, skipWrongLengthFields: boolean): TaggedField[] {
  const fields: TaggedField[] = [];
  let i = 0;
  while (i < words.length) {
    if (words.length - i < 3) {
      throw new InvoiceError(
        'truncated_field',
        `tagged field at word ${i} has no room for its type and data_length`,
      );
    }
    const tag = words[i]!;
    const length = words[i + 1]! * 32 + words[i + 2]!;
    const start = i + 3;
    if (start + length > words.length) {
      throw new InvoiceError(
        'truncated_field',
        `tagged field at word ${i} claims ${length} words but only ${words.length - start} remain before the signature`,
      );
    }
    // Copy: the field keeps its words, and must not alias the caller's buffer.
    fields.push(decodeTaggedField(tag, words.slice(start, start + length), { skipWrongLengthFields }));
    i = start + length;
  }
  return fields;
}

/** Named views of the fields (first of each kind; defaults applied) plus the signature. */
function describeInvoice(
  contents: InvoiceContents,
  signature: Uint8Array,
  recoveryId: number,
  payeeNodeId: Uint8Array,
  payeeNodeIdRecovered: boolean,
): Invoice {
  let paymentHash: Uint8Array | undefined;
  let paymentSecret: Uint8Array | undefined;
  let description: string | undefined;
  let descriptionHash: Uint8Array | undefined;
  let paymentMetadata: Uint8Array | undefined;
  let expirySeconds: number | undefined;
  let minFinalCltvExpiryDelta: number | undefined;
  let features: readonly number[] | undefined;
  const fallbackAddresses = [];
  const routeHints = [];
  const unknownFields = [];
  for (const f of contents.taggedFields) {
    switch (f.kind) {
      case 'payment_hash':
        paymentHash ??= f.value;
        break;
      case 'payment_secret':
        // BOLT 11: "MUST use the `s` field as [`payment_secret`](04-onion-routing.md#tlv_payload-payload-format)"
        paymentSecret ??= f.value;
        break;
      case 'description':
        description ??= f.value;
        break;
      case 'description_hash':
        descriptionHash ??= f.value;
        break;
      case 'payment_metadata':
        paymentMetadata ??= f.value;
        break;
      case 'payee_node_id':
        break;
      case 'expiry':
        expirySeconds ??= f.value;
        break;
      case 'min_final_cltv_expiry_delta':
        minFinalCltvExpiryDelta ??= f.value;
        break;
      case 'features':
        features ??= f.value;
        break;
      case 'fallback_address':
        fallbackAddresses.push(f.value);
        break;
      case 'route_hint':
        routeHints.push(f.value);
        break;
      case 'unknown':
        unknownFields.push(f.value);
        break;
    }
  }
  if (paymentHash === undefined || paymentSecret === undefined) {
    throw new Error('unreachable: checkFieldCounts requires p and s');
  }
  return {
    ...contents,
    paymentHash,
    paymentSecret,
    ...(description !== undefined ? { description } : {}),
    ...(descriptionHash !== undefined ? { descriptionHash } : {}),
    ...(paymentMetadata !== undefined ? { paymentMetadata } : {}),
    payeeNodeId,
    payeeNodeIdRecovered,
    expirySeconds: expirySeconds ?? DEFAULT_EXPIRY_SECONDS,
    minFinalCltvExpiryDelta: minFinalCltvExpiryDelta ?? DEFAULT_MIN_FINAL_CLTV_EXPIRY_DELTA,
    fallbackAddresses,
    routeHints,
    features: features ?? [],
    unknownFields,
    signature,
    recoveryId,
  };
}
