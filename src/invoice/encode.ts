// src/invoice/encode.ts: InvoiceContents -> signed BOLT 11 string, following the writer requirements.
import { equalBytes, isPrivateKey, publicKeyCreate } from '../crypto/index.js';
import { encodeBech32 } from './bech32.js';
import { InvoiceError } from './errors.js';
import { encodeTaggedField } from './fields.js';
import { formatHrp, isNetwork } from './hrp.js';
import { checkFieldCounts } from './rules.js';
import {
  checkSignature,
  type RecoverableSignature,
  signHash,
  signingData,
  signingHash,
} from './signature.js';
import type { InvoiceContents } from './types.js';
import { bytesToWords, uintToWords } from './words.js';

const TIMESTAMP_LIMIT = 2 ** 35;

export interface EncodeInvoiceOptions {
  /**
   * Allow unknown fields that are `p`, `h`, `s` or `n` of the wrong length, which only readers
   * using the older skip rule accept. Default false.
   */
  readonly allowWrongLengthFields?: boolean;
}

interface Serialized {
  readonly hrp: string;
  /** Timestamp and tagged fields: everything the signature covers after the hrp. */
  readonly dataWords: Uint8Array;
}

function serialize(contents: InvoiceContents, options: EncodeInvoiceOptions): Serialized {
  if (!isNetwork(contents.network)) {
    throw new InvoiceError('invalid_contents', `unknown network ${JSON.stringify(contents.network)}`);
  }
  const hrp = formatHrp(contents.network, contents.amountMsat);
  const t = contents.timestamp;
  // BOLT 11: "MUST set `timestamp` to the number of seconds since Midnight 1 January 1970, UTC in"
  if (!Number.isInteger(t) || t < 0 || t >= TIMESTAMP_LIMIT) {
    throw new InvoiceError('invalid_contents', `timestamp must be an integer in 0..2^35-1, got ${t}`);
  }
  checkFieldCounts(contents.taggedFields);
  const parts: Uint8Array[] = [uintToWords(t, 7)];
  for (const field of contents.taggedFields) {
    const { tag, words } = encodeTaggedField(field, {
      allowWrongLengthFields: options.allowWrongLengthFields ?? false,
    });
    parts.push(Uint8Array.of(tag), uintToWords(words.length, 2), words);
  }
  const dataWords = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    dataWords.set(p, o);
    o += p.length;
  }
  return { hrp, dataWords };
}

/** The bytes whose SHA-256 the signature signs: hrp (UTF-8) || data words zero-padded to whole bytes. */
export function invoiceSigningData(
  contents: InvoiceContents,
  options: EncodeInvoiceOptions = {},
): Uint8Array {
  const { hrp, dataWords } = serialize(contents, options);
  return signingData(hrp, dataWords);
}

/** The 32-byte hash an invoice signature signs (for signing with a key held elsewhere). */
export function invoiceSigningHash(
  contents: InvoiceContents,
  options: EncodeInvoiceOptions = {},
): Uint8Array {
  const { hrp, dataWords } = serialize(contents, options);
  return signingHash(hrp, dataWords);
}

/**
 * Encodes and signs an invoice with the payee's node private key (RFC 6979, low-S), giving the
 * canonical lower-case string. Throws InvoiceError if the contents break a writer rule.
 */
export function encodeInvoice(
  contents: InvoiceContents,
  privateKey: Uint8Array,
  options: EncodeInvoiceOptions = {},
): string {
  if (!isPrivateKey(privateKey))
    throw new InvoiceError('invalid_contents', 'private key is not a valid secp256k1 key');
  const n = contents.taggedFields.find((f) => f.kind === 'payee_node_id');
  // BOLT 11: "MUST set `n` to the public key used to create the `signature`."
  if (n !== undefined && !equalBytes(n.value, publicKeyCreate(privateKey))) {
    throw new InvoiceError('invalid_contents', 'the n field is not the public key of the signing key', 'n');
  }
  const { hrp, dataWords } = serialize(contents, options);
  return assemble(hrp, dataWords, signHash(signingHash(hrp, dataWords), privateKey));
}

/**
 * Encodes an invoice with a signature made elsewhere over invoiceSigningHash(contents). The
 * signature is checked as a reader would (against `n`, or by recovery), so a bad one throws.
 */
export function encodeSignedInvoice(
  contents: InvoiceContents,
  signature: RecoverableSignature,
  options: EncodeInvoiceOptions = {},
): string {
  const { hrp, dataWords } = serialize(contents, options);
  const n = contents.taggedFields.find((f) => f.kind === 'payee_node_id');
  checkSignature(signingHash(hrp, dataWords), signature, n?.value);
  return assemble(hrp, dataWords, signature);
}

function assemble(hrp: string, dataWords: Uint8Array, sig: RecoverableSignature): string {
  const sigBytes = new Uint8Array(65);
  sigBytes.set(sig.signature);
  // BOLT 11: "The signature is encoded as 64 bytes (R || S), followed by a trailing 1-byte"
  sigBytes[64] = sig.recoveryId;
  const words = new Uint8Array(dataWords.length + 104);
  words.set(dataWords);
  words.set(bytesToWords(sigBytes), dataWords.length);
  // BOLT 11: "MAY exceed the 90-character limit specified in BIP-0173."
  return encodeBech32(hrp, words);
}
