// src/tx/der.ts: the strict DER signature encoding rule of BIP 66 (consensus for every signature
// checked in script) and the low-S rule (BIP 146 policy; BOLT 2 requires it of peers).
import { equalBytes, signatureFromDer, signatureNormalize } from '../crypto/index.js';

/** BIP 66 IsValidSignatureEncoding, on a signature that still carries its sighash byte. */
export function isStrictDerWithSighash(sig: Uint8Array): boolean {
  const n = sig.length;
  if (n < 9 || n > 73) return false;
  if (sig[0] !== 0x30 || sig[1] !== n - 3) return false;
  const lenR = sig[3]!;
  if (5 + lenR >= n) return false;
  const lenS = sig[5 + lenR]!;
  if (lenR + lenS + 7 !== n) return false;
  if (sig[2] !== 0x02 || lenR === 0 || (sig[4]! & 0x80) !== 0) return false;
  if (lenR > 1 && sig[4] === 0x00 && (sig[5]! & 0x80) === 0) return false;
  if (sig[lenR + 4] !== 0x02 || lenS === 0 || (sig[lenR + 6]! & 0x80) !== 0) return false;
  if (lenS > 1 && sig[lenR + 6] === 0x00 && (sig[lenR + 7]! & 0x80) === 0) return false;
  return true;
}

/** BIP 66 strictness for a bare DER signature (no sighash byte). */
export function isStrictDerSignature(der: Uint8Array): boolean {
  const withType = new Uint8Array(der.length + 1);
  withType.set(der);
  withType[der.length] = 0x01;
  return isStrictDerWithSighash(withType);
}

/** True if a strict-DER signature has S <= n/2. */
export function isLowSDer(der: Uint8Array): boolean {
  try {
    const compact = signatureFromDer(der);
    return equalBytes(signatureNormalize(compact), compact);
  } catch {
    return false;
  }
}
