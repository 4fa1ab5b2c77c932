// src/invoice/signature.ts: what the invoice signature covers, and checking it.
import {
  concatBytes,
  ecdsaRecover,
  ecdsaSignRecoverable,
  ecdsaVerify,
  equalBytes,
  sha256,
  signatureNormalize,
} from '../crypto/index.js';
import { InvoiceError } from './errors.js';
import { wordsToBytesPadded } from './words.js';

/** 64-byte R || S plus a 1-byte recovery id: 520 bits, 104 words. */
export const SIGNATURE_WORDS = 104;

/**
 * The bytes the signature hashes: the human-readable part (lower case, UTF-8) followed by the
 * data words before the signature, zero-padded to a byte boundary.
 */
export function signingData(hrp: string, dataWords: Uint8Array): Uint8Array {
  // BOLT 11: "hash of: the human-readable part (as UTF-8 bytes) concatenated with the data part"
  return concatBytes(new TextEncoder().encode(hrp), wordsToBytesPadded(dataWords));
}

export interface RecoverableSignature {
  /** 64-byte compact R || S. */
  readonly signature: Uint8Array;
  /** 0–3. */
  readonly recoveryId: number;
}

/** RFC 6979 deterministic, low-S signature over the 32-byte signing hash. */
export function signHash(hash: Uint8Array, privateKey: Uint8Array): RecoverableSignature {
  return ecdsaSignRecoverable(hash, privateKey);
}

/**
 * Checks the signature and returns the payee node id: `n` when given, else the recovered key.
 * Throws InvoiceError('invalid_signature' | 'high_s_signature').
 */
export function checkSignature(
  hash: Uint8Array,
  sig: RecoverableSignature,
  payeeNodeId: Uint8Array | undefined,
): Uint8Array {
  if (sig.signature.length !== 64) {
    throw new InvoiceError('invalid_signature', `signature must be 64 bytes, got ${sig.signature.length}`);
  }
  if (!Number.isInteger(sig.recoveryId) || sig.recoveryId < 0 || sig.recoveryId > 3) {
    throw new InvoiceError('invalid_signature', `recovery id must be 0..3, got ${sig.recoveryId}`);
  }
  if (payeeNodeId !== undefined) {
    // BOLT 11: "MUST use the `n` field to validate the signature instead of performing public-key recovery."
    const s = sValue(sig.signature);
    if (s === 'invalid') throw new InvoiceError('invalid_signature', 'signature R or S is out of range');
    if (s === 'high') {
      // BOLT 11: "If the signature is not compliant with the low-S standard rule"
      throw new InvoiceError(
        'high_s_signature',
        'signature is not low-S, which is required when an n field is present',
      );
    }
    if (!ecdsaVerify(sig.signature, hash, payeeNodeId)) {
      throw new InvoiceError(
        'invalid_signature',
        'signature does not verify against the n field (payee node id)',
      );
    }
    return payeeNodeId;
  }
  // BOLT 11: "MUST perform ECDSA public-key recovery and accept both high-S and low-S signatures."
  const recovered = ecdsaRecover(sig.signature, sig.recoveryId, hash);
  if (recovered === undefined) {
    throw new InvoiceError('invalid_signature', 'signature is not recoverable: no public key matches it');
  }
  return recovered;
}

function sValue(sig64: Uint8Array): 'low' | 'high' | 'invalid' {
  try {
    return equalBytes(signatureNormalize(sig64), sig64) ? 'low' : 'high';
  } catch {
    return 'invalid';
  }
}

export function signingHash(hrp: string, dataWords: Uint8Array): Uint8Array {
  return sha256(signingData(hrp, dataWords));
}
