// src/invoice/bech32.ts: the BIP 173 envelope, without the 90-character limit.
import { bech32 } from '@scure/base';
import { InvoiceError } from './errors.js';
import { BECH32_CHARSET } from './words.js';

export interface Bech32Parts {
  /** Lower case. */
  readonly hrp: string;
  readonly words: Uint8Array;
}

/**
 * Splits a bech32 string into its human-readable part and data words. Every structural problem
 * is checked here first, so that a failure left to @scure/base can only be the checksum.
 */
export function decodeBech32(text: string): Bech32Parts {
  const malformed = (what: string): never => {
    throw new InvoiceError('bech32_malformed', `not a bech32 string: ${what}`);
  };
  if (typeof text !== 'string') malformed('expected a string');
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 33 || c > 126) malformed(`character ${i} is not printable ASCII`);
  }
  const lower = text.toLowerCase();
  // BOLT 11: "Note: this includes handling uppercase as specified by BIP-0173"
  if (text !== lower && text !== text.toUpperCase()) malformed('mixes upper and lower case');
  const sep = lower.lastIndexOf('1');
  if (sep < 1) malformed('no "1" separator after a non-empty human-readable part');
  const data = lower.slice(sep + 1);
  if (data.length < 6) malformed('data part shorter than the 6-character checksum');
  for (const ch of data)
    if (!BECH32_CHARSET.includes(ch)) malformed(`"${ch}" is not a bech32 data character`);
  // BOLT 11: "MUST parse the address as Bech32, as specified in BIP-0173 (also without the character limit)."
  const decoded = bech32.decodeUnsafe(lower, false);
  // BOLT 11: "if the checksum is incorrect:"
  if (decoded === undefined) throw new InvoiceError('bech32_checksum', 'bech32 checksum is invalid');
  return { hrp: decoded.prefix, words: Uint8Array.from(decoded.words) };
}

/** Encodes lower case, without the 90-character limit (BOLT 11 invoices are longer). */
export function encodeBech32(hrp: string, words: Uint8Array): string {
  return bech32.encode(hrp, words, false);
}
