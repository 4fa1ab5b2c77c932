// src/peer/text.ts: the `data` of `error` and `warning` messages, both ways: shown safely when
// received, and built from plain text when sent.
import { bytesToHex } from '../crypto/index.js';

/** Whether every byte is printable ASCII (32..126). */
export function isPrintableAscii(data: Uint8Array): boolean {
  return data.every((b) => b >= 32 && b <= 126);
}

/**
 * Text safe to log or show. BOLT 1: "if `data` is not composed solely of printable ASCII
 * characters (For reference: the printable character set includes byte values 32 through 126,
 * inclusive): SHOULD NOT print out `data` verbatim." Such data is shown as `hex:` and its hex.
 */
export function printableErrorText(data: Uint8Array): string {
  return isPrintableAscii(data) ? String.fromCharCode(...data) : `hex:${bytesToHex(data)}`;
}

/** Plain text as `data` bytes: printable ASCII is kept, any other character becomes `?`. */
export function errorData(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    out[i] = c >= 32 && c <= 126 ? c : 0x3f;
  }
  return out;
}
