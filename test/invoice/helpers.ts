// test/invoice/helpers.ts: fixture loading and hand-crafted invoices (bypassing the encoder's checks).
import { readFileSync } from 'node:fs';
import { hexToBytes } from '../../src/crypto/index.js';
import { encodeBech32 } from '../../src/invoice/bech32.js';
import { signHash, signingHash } from '../../src/invoice/signature.js';
import { BECH32_CHARSET, bytesToWords, uintToWords } from '../../src/invoice/words.js';

export function loadFixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../fixtures/invoice/${name}`, import.meta.url), 'utf8')) as T;
}

/** The key every BOLT 11 example is signed with (copied into valid.json from the spec). */
export const SPEC_PRIVATE_KEY = hexToBytes(loadFixture<{ privateKey: string }>('valid.json').privateKey);

/** "block x tx x output" as BOLT 7 writes a short_channel_id -> its u64. */
export function parseShortChannelId(text: string): bigint {
  const [block, tx, output] = text.split('x').map((p) => BigInt(p));
  if (block === undefined || tx === undefined || output === undefined) throw new Error(`bad scid ${text}`);
  return (block << 40n) | (tx << 16n) | output;
}

/** bech32 characters -> 5-bit words. */
export function charsToWords(chars: string): Uint8Array {
  return Uint8Array.from(chars, (c) => {
    const v = BECH32_CHARSET.indexOf(c);
    if (v < 0) throw new Error(`not a bech32 character: ${c}`);
    return v;
  });
}

export function wordsToChars(words: Uint8Array): string {
  return Array.from(words, (w) => BECH32_CHARSET[w]).join('');
}

/** A raw tagged field: its letter and its data as 5-bit words. */
export type RawField = readonly [letter: string, words: Uint8Array];

export const bytesField = (letter: string, bytes: Uint8Array): RawField => [letter, bytesToWords(bytes)];
export const textField = (letter: string, text: string): RawField =>
  bytesField(letter, new TextEncoder().encode(text));

export const PAYMENT_HASH = new Uint8Array(32).fill(1);
export const PAYMENT_SECRET = new Uint8Array(32).fill(0x11);

/** p, s and d: the least a valid invoice needs. */
export function minimalFields(): RawField[] {
  return [bytesField('p', PAYMENT_HASH), bytesField('s', PAYMENT_SECRET), textField('d', 'test')];
}

export interface CraftOptions {
  readonly hrp?: string;
  readonly timestamp?: number;
  readonly key?: Uint8Array;
  /** Replace the 65 signature bytes (R || S || recovery id) before encoding. */
  readonly editSignature?: (sig65: Uint8Array) => Uint8Array;
}

/** Builds and signs an invoice from raw fields, so tests can produce what our encoder refuses to. */
export function craftInvoice(fields: readonly RawField[], options: CraftOptions = {}): string {
  const hrp = options.hrp ?? 'lnbc';
  const parts: number[] = [...uintToWords(options.timestamp ?? 1_700_000_000, 7)];
  for (const [letter, words] of fields) {
    const tag = BECH32_CHARSET.indexOf(letter);
    if (tag < 0 || letter.length !== 1) throw new Error(`bad field letter ${letter}`);
    parts.push(tag, ...uintToWords(words.length, 2), ...words);
  }
  const data = Uint8Array.from(parts);
  const sig = signHash(signingHash(hrp, data), options.key ?? SPEC_PRIVATE_KEY);
  let sig65: Uint8Array = new Uint8Array(65);
  sig65.set(sig.signature);
  sig65[64] = sig.recoveryId;
  if (options.editSignature !== undefined) sig65 = options.editSignature(sig65);
  return encodeBech32(hrp, Uint8Array.from([...data, ...bytesToWords(sig65)]));
}
