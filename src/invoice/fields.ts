// src/invoice/fields.ts: each tagged field declared once, as a codec (both directions side by side).
import { InvoiceError } from './errors.js';
import { fallbackProblem, isKnownFallbackVersion } from './fallback.js';
import { featureBitsToWords, wordsToFeatureBits } from './features.js';
import { isCompressedPublicKey, parseRouteHint, routeHintProblem, serializeRouteHint } from './route-hint.js';
import type { TaggedField, TaggedFieldKind } from './types.js';
import { bigIntToWords, bytesToWords, tagLetter, wordsToBigInt, wordsToBytes } from './words.js';

type KnownKind = Exclude<TaggedFieldKind, 'unknown'>;
type ValueOf<K extends TaggedFieldKind> = Extract<TaggedField, { kind: K }>['value'];
type Fail = (what: string, reason?: 'invalid_field' | 'non_minimal_field') => never;

interface FieldCodec<T> {
  /** The 5-bit type. */
  readonly tag: number;
  /** The data_length the spec fixes for this field, if it does. */
  readonly length?: number;
  // Method syntax (bivariant) lets the table be read as a codec of the union of all values.
  /** Words -> value; undefined means "keep it as an unknown field". `fail` refuses the invoice. */
  decode(words: Uint8Array, fail: Fail): T | undefined;
  /** Value -> words; `bad` reports a value the field cannot carry. */
  encode(value: T, bad: (what: string) => never): Uint8Array;
}

/** data_length is 10 bits. */
export const MAX_DATA_LENGTH = 1023;

const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf8Encoder = new TextEncoder();
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const toBytes = (words: Uint8Array, fail: Fail): Uint8Array =>
  wordsToBytes(words) ?? fail('data is not whole bytes padded with zero bits');

function bytes(tag: number, size?: number): FieldCodec<Uint8Array> {
  return {
    tag,
    ...(size === undefined ? {} : { length: Math.ceil((size * 8) / 5) }),
    decode: toBytes,
    encode: (value, bad) =>
      size === undefined || value.length === size
        ? bytesToWords(value)
        : bad(`expected ${size} bytes, got ${value.length}`),
  };
}

function minimalUint(tag: number): FieldCodec<number> {
  return {
    tag,
    decode: (words, fail) => {
      // BOLT 11: "if a `c`, `x`, or `9` field is provided which has a non-minimal `data_length`"
      if (words[0] === 0) fail('starts with a zero word (non-minimal data_length)', 'non_minimal_field');
      // 11 words are 55 bits, past any safe integer: refuse before building a huge bigint.
      const value = words.length > 11 ? Number.POSITIVE_INFINITY : Number(wordsToBigInt(words));
      return Number.isSafeInteger(value) ? value : fail('value exceeds 2^53 - 1');
    },
    encode: (value, bad) =>
      Number.isSafeInteger(value) && value >= 0
        ? bigIntToWords(BigInt(value))
        : bad(`expected a non-negative safe integer, got ${value}`),
  };
}

const CODECS: { readonly [K in KnownKind]: FieldCodec<ValueOf<K>> } = {
  payment_hash: bytes(1, 32), // p
  payment_secret: bytes(16, 32), // s
  description_hash: bytes(23, 32), // h
  payment_metadata: bytes(27), // m
  payee_node_id: {
    tag: 19, // n
    length: 53,
    decode: (words, fail) => {
      const key = toBytes(words, fail);
      // An `n` that is not a key cannot be "a valid `n` field"; rather than fall back to recovery
      // (and pay a node the writer did not name) the invoice is refused.
      // BOLT 11: "if a valid `n` field is provided:"
      return isCompressedPublicKey(key) ? key : fail('not a valid compressed public key');
    },
    encode: (value, bad) =>
      isCompressedPublicKey(value) ? bytesToWords(value) : bad('not a valid compressed public key'),
  },
  description: {
    tag: 13, // d
    decode: (words, fail) => {
      const data = toBytes(words, fail);
      try {
        // BOLT 11: "MUST set `d` to a valid UTF-8 string."
        return utf8Decoder.decode(data);
      } catch {
        return fail('description is not valid UTF-8');
      }
    },
    encode: (value, bad) =>
      // TextEncoder would silently replace a lone surrogate, changing the description.
      LONE_SURROGATE.test(value)
        ? bad('description has a lone UTF-16 surrogate')
        : bytesToWords(utf8Encoder.encode(value)),
  },
  expiry: minimalUint(6), // x
  min_final_cltv_expiry_delta: minimalUint(24), // c
  features: {
    tag: 5, // 9
    decode: (words, fail) => {
      // BOLT 11: "if a `c`, `x`, or `9` field is provided which has a non-minimal `data_length`"
      if (words[0] === 0) fail('starts with a zero word (non-minimal data_length)', 'non_minimal_field');
      return wordsToFeatureBits(words);
    },
    encode: (bits, bad) => {
      bits.forEach((b, i) => {
        if (!Number.isInteger(b) || b < 0 || (i > 0 && b <= bits[i - 1]!)) {
          bad('feature bits must be non-negative integers in strictly ascending order');
        }
      });
      return featureBitsToWords(bits);
    },
  },
  fallback_address: {
    tag: 9, // f
    decode: (words, fail) => {
      const version = words[0];
      if (version === undefined) return fail('empty, expected a version and a program');
      // BOLT 11: "MUST skip over `f` fields that use an unknown `version`."
      if (!isKnownFallbackVersion(version)) return undefined;
      const value = { version, program: toBytes(words.subarray(1), fail) };
      const problem = fallbackProblem(value);
      return problem === undefined ? value : fail(problem);
    },
    encode: (value, bad) => {
      const problem = fallbackProblem(value);
      return problem === undefined
        ? Uint8Array.of(value.version, ...bytesToWords(value.program))
        : bad(problem);
    },
  },
  route_hint: {
    tag: 3, // r
    decode: (words, fail) => {
      const hint = parseRouteHint(toBytes(words, fail));
      return typeof hint === 'string' ? fail(hint) : hint;
    },
    encode: (value, bad) => {
      const problem = routeHintProblem(value);
      return problem === undefined ? bytesToWords(serializeRouteHint(value)) : bad(problem);
    },
  },
};

/** The 5-bit type of each field kind BOLT 11 defines. */
export const TAGS: { readonly [K in KnownKind]: number } = Object.fromEntries(
  Object.entries(CODECS).map(([kind, codec]) => [kind, codec.tag]),
) as { [K in KnownKind]: number };

const KIND_BY_TAG: ReadonlyMap<number, KnownKind> = new Map(
  (Object.keys(CODECS) as KnownKind[]).map((kind) => [CODECS[kind].tag, kind]),
);

export interface FieldDecodeOptions {
  /**
   * Keep a `p`, `h`, `s` or `n` field of the wrong length as an unknown field instead of failing.
   * That was the rule before BOLT 11 required failing; the spec's "fields which must be ignored"
   * example still relies on it.
   */
  readonly skipWrongLengthFields: boolean;
}

/** Interprets one tagged field. Throws InvoiceError when a field we know is malformed. */
export function decodeTaggedField(tag: number, words: Uint8Array, options: FieldDecodeOptions): TaggedField {
  const unknown: TaggedField = { kind: 'unknown', value: { tag, words } };
  const kind = KIND_BY_TAG.get(tag);
  if (kind === undefined) return unknown;
  const letter = tagLetter(tag);
  const codec: FieldCodec<ValueOf<KnownKind>> = CODECS[kind];
  if (codec.length !== undefined && words.length !== codec.length) {
    if (options.skipWrongLengthFields) return unknown;
    // BOLT 11: "MUST fail the payment if any field with fixed `data_length` (`p`, `h`, `s`, `n`) does not have the correct length (52, 52, 52, 53)."
    throw new InvoiceError(
      'invalid_field_length',
      `${letter} field: data_length must be ${codec.length}, got ${words.length}`,
      letter,
    );
  }
  const fail: Fail = (what, reason = 'invalid_field') => {
    throw new InvoiceError(reason, `${letter} field: ${what}`, letter);
  };
  const value = codec.decode(words, fail);
  // The codec of `kind` produced the value, so the pair is a TaggedField of that kind.
  return value === undefined ? unknown : ({ kind, value } as TaggedField);
}

export interface FieldEncodeOptions {
  /** Allow unknown fields that are `p`, `h`, `s` or `n` of the wrong length (see FieldDecodeOptions). */
  readonly allowWrongLengthFields: boolean;
}

/** One field -> its tag and words. Throws InvoiceError for a value the field cannot carry. */
export function encodeTaggedField(
  field: TaggedField,
  options: FieldEncodeOptions,
): { tag: number; words: Uint8Array } {
  const { tag, words } = field.kind === 'unknown' ? encodeUnknown(field.value, options) : encodeKnown(field);
  if (words.length > MAX_DATA_LENGTH) {
    throw new InvoiceError(
      'field_too_long',
      `${tagLetter(tag)} field: ${words.length} words exceed the data_length limit of ${MAX_DATA_LENGTH}`,
      tagLetter(tag),
    );
  }
  return { tag, words };
}

function encodeKnown(field: Exclude<TaggedField, { kind: 'unknown' }>): { tag: number; words: Uint8Array } {
  const codec: FieldCodec<ValueOf<KnownKind>> = CODECS[field.kind];
  const bad = (what: string): never => {
    throw new InvoiceError(
      'invalid_contents',
      `${tagLetter(codec.tag)} field: ${what}`,
      tagLetter(codec.tag),
    );
  };
  return { tag: codec.tag, words: codec.encode(field.value, bad) };
}

function encodeUnknown(
  value: ValueOf<'unknown'>,
  options: FieldEncodeOptions,
): { tag: number; words: Uint8Array } {
  const { tag, words } = value;
  const bad = (what: string): never => {
    throw new InvoiceError('invalid_contents', `unknown field (type ${tag}): ${what}`);
  };
  if (!Number.isInteger(tag) || tag < 0 || tag > 31) bad('the type must be 0..31');
  if (words.some((w) => w > 31)) bad('words must be 5-bit values');
  // It must read back as unknown, not as a field of the type its tag names.
  let decoded: TaggedField;
  try {
    decoded = decodeTaggedField(tag, words, { skipWrongLengthFields: options.allowWrongLengthFields });
  } catch (e) {
    if (e instanceof InvoiceError) return bad(`a reader would refuse it: ${e.message}`);
    throw e;
  }
  if (decoded.kind !== 'unknown') bad(`a reader would take it for a ${decoded.kind} field`);
  return { tag, words };
}
