// src/invoice/features.ts: the `9` field as a list of set bit indices, and which even bits we know.
// BOLT 9 feature semantics (dependencies, names) live elsewhere; this is only the bit layout.

/**
 * Even (compulsory) feature bits an invoice may set that this node understands: the BOLT 9
 * features with context `9` (basic_mpp 16, option_route_blinding 24, option_attribution_data 36,
 * option_payment_metadata 48) plus the ASSUMED var_onion_optin (8) and payment_secret (14), which
 * invoices still carry. Their odd partners are covered by the it's-ok-to-be-odd rule anyway.
 */
export const DEFAULT_KNOWN_FEATURE_BITS: ReadonlySet<number> = new Set([8, 14, 16, 24, 36, 48]);

/**
 * The `9` field is big-endian, bit 0 being the least significant bit of the last word.
 * Returns the set bits, ascending.
 */
export function wordsToFeatureBits(words: Uint8Array): number[] {
  const bits: number[] = [];
  for (let i = words.length - 1; i >= 0; i--) {
    const w = words[i]!;
    const base = (words.length - 1 - i) * 5;
    for (let b = 0; b < 5; b++) if ((w >> b) & 1) bits.push(base + b);
  }
  return bits;
}

/** Set bits -> the fewest words that hold them (no leading zero word; no words for no bits). */
export function featureBitsToWords(bits: readonly number[]): Uint8Array {
  if (bits.length === 0) return new Uint8Array(0);
  const highest = Math.max(...bits);
  const words = new Uint8Array(Math.floor(highest / 5) + 1);
  for (const bit of bits) {
    const idx = words.length - 1 - Math.floor(bit / 5);
    words[idx] = words[idx]! | (1 << (bit % 5));
  }
  return words;
}

/** Even bits that are set and not in `known`: each one makes the invoice unpayable for us. */
export function unknownRequiredFeatureBits(bits: readonly number[], known: ReadonlySet<number>): number[] {
  return bits.filter((bit) => bit % 2 === 0 && !known.has(bit));
}
