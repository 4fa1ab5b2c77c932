// src/transport/aead.ts: the BOLT 8 ("Handshake State") helpers: encryptWithAD/decryptWithAD with
// Noise's nonce encoding, and the two-output HKDF. Shared by the handshake and the message cipher.
import { chachaPolyDecrypt, chachaPolyEncrypt, hkdfSha256 } from '../crypto/index.js';

/** Size of the Poly1305 tag appended to every AEAD ciphertext. */
export const MAC_BYTES = 16;

const EMPTY = new Uint8Array(0);

/**
 * The 96-bit AEAD nonce for counter `n`.
 * BOLT 8: "with nonce `n` encoded as 32 zero bits,"
 * followed by the 64-bit counter in little-endian (Noise's convention, not Lightning's usual one).
 */
export function encodeNonce(n: number): Uint8Array {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`expected a nonce 0 <= n < 2^53, got ${n}`);
  const nonce = new Uint8Array(12);
  const view = new DataView(nonce.buffer);
  view.setUint32(4, n % 0x1_0000_0000, true);
  view.setUint32(8, Math.floor(n / 0x1_0000_0000), true);
  return nonce;
}

/** ChaCha20-Poly1305 (RFC 8439) of `plaintext` under `key` and nonce `n`: ciphertext || 16-byte MAC. */
export function encryptWithAd(key: Uint8Array, n: number, ad: Uint8Array, plaintext: Uint8Array): Uint8Array {
  return chachaPolyEncrypt(key, encodeNonce(n), ad, plaintext);
}

/** Inverse of `encryptWithAd`; undefined when the MAC does not verify. */
export function decryptWithAd(
  key: Uint8Array,
  n: number,
  ad: Uint8Array,
  ciphertext: Uint8Array,
): Uint8Array | undefined {
  return chachaPolyDecrypt(key, encodeNonce(n), ad, ciphertext);
}

/**
 * BOLT 8's `HKDF(salt, ikm)`: RFC 5869 extract-and-expand with an empty info, 64 bytes of output
 * returned as its two 32-byte halves.
 */
export function hkdf2(salt: Uint8Array, ikm: Uint8Array): [Uint8Array, Uint8Array] {
  const out = hkdfSha256(salt, ikm, 64, EMPTY);
  return [out.slice(0, 32), out.slice(32, 64)];
}
