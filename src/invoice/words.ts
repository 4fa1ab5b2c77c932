// src/invoice/words.ts: conversions between bytes, integers and bech32's 5-bit words.
// Own code rather than @scure/base's converters so that a bad input is an answer (undefined),
// not an exception whose message we would have to interpret.

/** The bech32 alphabet: word value -> character, used to name tagged field types in messages. */
export const BECH32_CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';

/** Bytes -> 5-bit words, zero-padding the last word. */
export function bytesToWords(bytes: Uint8Array): Uint8Array {
  // BOLT 11: "MUST pad field data to a multiple of 5 bits, using 0s."
  const out = new Uint8Array(Math.ceil((bytes.length * 8) / 5));
  let acc = 0;
  let bits = 0;
  let j = 0;
  for (const b of bytes) {
    acc = ((acc << 8) | b) & 0xfff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out[j++] = (acc >> bits) & 31;
    }
  }
  if (bits > 0) out[j] = (acc << (5 - bits)) & 31;
  return out;
}

/**
 * 5-bit words -> bytes, strictly: the leftover bits must be fewer than 5 and all zero, so that
 * exactly one word sequence maps to each byte string. Returns undefined otherwise.
 */
export function wordsToBytes(words: Uint8Array): Uint8Array | undefined {
  const out = new Uint8Array(Math.floor((words.length * 5) / 8));
  let acc = 0;
  let bits = 0;
  let j = 0;
  for (const w of words) {
    acc = ((acc << 5) | w) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[j++] = (acc >> bits) & 0xff;
    }
  }
  if (bits >= 5 || (acc & ((1 << bits) - 1)) !== 0) return undefined;
  return out;
}

/** 5-bit words -> bytes, appending zero bits to reach a byte boundary (what the signature hashes). */
export function wordsToBytesPadded(words: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil((words.length * 5) / 8));
  let acc = 0;
  let bits = 0;
  let j = 0;
  for (const w of words) {
    acc = ((acc << 5) | w) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[j++] = (acc >> bits) & 0xff;
    }
  }
  if (bits > 0) out[j] = (acc << (8 - bits)) & 0xff;
  return out;
}

/** Big-endian words -> unsigned integer. */
export function wordsToBigInt(words: Uint8Array): bigint {
  let v = 0n;
  for (const w of words) v = (v << 5n) | BigInt(w);
  return v;
}

/** Unsigned integer -> the fewest big-endian words (none for 0), so no leading zero word. */
export function bigIntToWords(value: bigint): Uint8Array {
  const out: number[] = [];
  for (let v = value; v > 0n; v >>= 5n) out.push(Number(v & 31n));
  return Uint8Array.from(out.reverse());
}

/** Unsigned integer -> exactly `count` big-endian words (for the fixed-width timestamp and data_length). */
export function uintToWords(value: number, count: number): Uint8Array {
  const out = new Uint8Array(count);
  let v = value;
  for (let i = count - 1; i >= 0; i--) {
    out[i] = v % 32;
    v = Math.floor(v / 32);
  }
  return out;
}

/** The bech32 character naming a tagged field type, for messages and InvoiceError.field. */
export function tagLetter(tag: number): string {
  return BECH32_CHARSET[tag] ?? '?';
}
