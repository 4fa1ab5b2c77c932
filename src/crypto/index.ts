// src/crypto: the one place where ksnode touches cryptographic primitives.
// secp256k1 is libsecp256k1 (npm `secp256k1`, native bindings only: we refuse the package's
// pure-JS `elliptic` fallback, which is ~40x slower and would silently change our performance).
// Hashes, HMAC, HKDF and ChaCha20(-Poly1305) are node:crypto (OpenSSL).
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  hkdfSync,
  randomBytes as nodeRandom,
  hash as oneShotHash,
  timingSafeEqual,
} from 'node:crypto';
import { createRequire } from 'node:module';

interface Secp256k1Native {
  privateKeyVerify(priv: Uint8Array): boolean;
  privateKeyNegate(priv: Uint8Array): Uint8Array;
  privateKeyTweakAdd(priv: Uint8Array, tweak: Uint8Array): Uint8Array;
  privateKeyTweakMul(priv: Uint8Array, tweak: Uint8Array): Uint8Array;
  publicKeyVerify(pub: Uint8Array): boolean;
  publicKeyCreate(priv: Uint8Array, compressed?: boolean): Uint8Array;
  publicKeyConvert(pub: Uint8Array, compressed?: boolean): Uint8Array;
  publicKeyNegate(pub: Uint8Array, compressed?: boolean): Uint8Array;
  publicKeyCombine(pubs: Uint8Array[], compressed?: boolean): Uint8Array;
  publicKeyTweakAdd(pub: Uint8Array, tweak: Uint8Array, compressed?: boolean): Uint8Array;
  publicKeyTweakMul(pub: Uint8Array, tweak: Uint8Array, compressed?: boolean): Uint8Array;
  signatureNormalize(sig: Uint8Array): Uint8Array;
  signatureExport(sig: Uint8Array): Uint8Array;
  signatureImport(der: Uint8Array): Uint8Array;
  ecdsaSign(msg32: Uint8Array, priv: Uint8Array): { signature: Uint8Array; recid: number };
  ecdsaVerify(sig: Uint8Array, msg32: Uint8Array, pub: Uint8Array): boolean;
  ecdsaRecover(sig: Uint8Array, recid: number, msg32: Uint8Array, compressed?: boolean): Uint8Array;
  ecdh(pub: Uint8Array, priv: Uint8Array): Uint8Array;
}

const require = createRequire(import.meta.url);
const secp: Secp256k1Native = require('secp256k1/bindings') as Secp256k1Native;

/** Thrown when a caller hands the crypto layer a value that is not a valid key or signature. */
export class CryptoError extends Error {
  override name = 'CryptoError';
}

function guard<T>(what: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw new CryptoError(`${what}: ${(e as Error).message}`);
  }
}

// ---------- bytes ----------

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Constant-time for equal lengths; different lengths compare unequal. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

export function hexToBytes(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) {
    throw new CryptoError(`expected an even-length hex string, got ${JSON.stringify(hex.slice(0, 40))}`);
  }
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

export function bytesToHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

/** Cryptographically secure random bytes (the shell's source; the pure core takes them as arguments). */
export function randomBytes(n: number): Uint8Array {
  return new Uint8Array(nodeRandom(n));
}

// ---------- hashes ----------

export function sha256(...data: Uint8Array[]): Uint8Array {
  // One input (nearly every call: sighashes, txids, scripts, shachain): the one-shot digest,
  // without a Hash object (a third faster for the short inputs hashed per HTLC).
  if (data.length === 1) {
    const d = oneShotHash('sha256', data[0]!, 'buffer');
    return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
  }
  const h = createHash('sha256');
  for (const d of data) h.update(d);
  return new Uint8Array(h.digest());
}

/** Bitcoin's HASH256: sha256(sha256(x)), of the concatenation of the parts given. */
export function sha256d(...data: Uint8Array[]): Uint8Array {
  return sha256(sha256(...data));
}

export function ripemd160(data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('ripemd160').update(data).digest());
}

/** Bitcoin's HASH160: ripemd160(sha256(x)). */
export function hash160(data: Uint8Array): Uint8Array {
  return ripemd160(sha256(data));
}

export function hmacSha256(key: Uint8Array, ...data: Uint8Array[]): Uint8Array {
  const h = createHmac('sha256', key);
  for (const d of data) h.update(d);
  return new Uint8Array(h.digest());
}

/** RFC 5869 HKDF-SHA256 (extract + expand) with an empty info, as BOLT 8 uses it. */
export function hkdfSha256(
  salt: Uint8Array,
  ikm: Uint8Array,
  length: number,
  info: Uint8Array = new Uint8Array(0),
): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', ikm, salt, info, length));
}

// ---------- ChaCha20 ----------

/** ChaCha20 keystream XOR (RFC 8439, 96-bit nonce, block counter starting at 0). */
export function chacha20(key: Uint8Array, nonce12: Uint8Array, data: Uint8Array): Uint8Array {
  if (key.length !== 32 || nonce12.length !== 12)
    throw new CryptoError('chacha20: expected a 32-byte key and a 12-byte nonce');
  // OpenSSL's chacha20 takes a 16-byte IV: a 4-byte little-endian block counter, then the nonce.
  const iv = new Uint8Array(16);
  iv.set(nonce12, 4);
  const c = createCipheriv('chacha20', key, iv);
  const out = c.update(data);
  c.final();
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/** ChaCha20-Poly1305 AEAD (RFC 8439): returns ciphertext || 16-byte tag. */
export function chachaPolyEncrypt(
  key: Uint8Array,
  nonce12: Uint8Array,
  ad: Uint8Array,
  plaintext: Uint8Array,
): Uint8Array {
  const c = createCipheriv('chacha20-poly1305', key, nonce12, { authTagLength: 16 });
  c.setAAD(ad, { plaintextLength: plaintext.length });
  const body = c.update(plaintext);
  c.final();
  return concatBytes(body, c.getAuthTag());
}

/** Decrypts ciphertext || tag; returns undefined if authentication fails. */
export function chachaPolyDecrypt(
  key: Uint8Array,
  nonce12: Uint8Array,
  ad: Uint8Array,
  sealed: Uint8Array,
): Uint8Array | undefined {
  if (sealed.length < 16) return undefined;
  const body = sealed.subarray(0, sealed.length - 16);
  const d = createDecipheriv('chacha20-poly1305', key, nonce12, { authTagLength: 16 });
  d.setAAD(ad, { plaintextLength: body.length });
  d.setAuthTag(sealed.subarray(sealed.length - 16));
  const out = d.update(body);
  try {
    d.final();
  } catch {
    return undefined;
  }
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

// ---------- secp256k1 ----------
// All functions take and return fresh Uint8Arrays; inputs are never mutated.

export function isPrivateKey(priv: Uint8Array): boolean {
  return priv.length === 32 && secp.privateKeyVerify(priv);
}

/** True if `pub` is a valid 33-byte compressed (or 65-byte uncompressed) point. */
export function isPublicKey(pub: Uint8Array): boolean {
  return (pub.length === 33 || pub.length === 65) && secp.publicKeyVerify(pub);
}

export function publicKeyCreate(priv: Uint8Array): Uint8Array {
  return guard('publicKeyCreate', () => secp.publicKeyCreate(priv, true));
}

export function publicKeyCompress(pub: Uint8Array): Uint8Array {
  return guard('publicKeyCompress', () => secp.publicKeyConvert(pub, true));
}

export function publicKeyUncompress(pub: Uint8Array): Uint8Array {
  return guard('publicKeyUncompress', () => secp.publicKeyConvert(pub, false));
}

/** ECDH as BOLT 4 and BOLT 8 define it: SHA256 of the compressed shared point (libsecp256k1's default). */
export function ecdh(pub: Uint8Array, priv: Uint8Array): Uint8Array {
  return guard('ecdh', () => secp.ecdh(pub, priv));
}

/** pub · tweak (a scalar multiplication). */
export function publicKeyTweakMul(pub: Uint8Array, tweak: Uint8Array): Uint8Array {
  return guard('publicKeyTweakMul', () => secp.publicKeyTweakMul(pub, tweak, true));
}

/** pub + tweak·G. */
export function publicKeyTweakAdd(pub: Uint8Array, tweak: Uint8Array): Uint8Array {
  return guard('publicKeyTweakAdd', () => secp.publicKeyTweakAdd(pub, tweak, true));
}

export function publicKeyCombine(pubs: Uint8Array[]): Uint8Array {
  return guard('publicKeyCombine', () => secp.publicKeyCombine(pubs, true));
}

export function privateKeyTweakAdd(priv: Uint8Array, tweak: Uint8Array): Uint8Array {
  return guard('privateKeyTweakAdd', () => secp.privateKeyTweakAdd(Uint8Array.from(priv), tweak));
}

export function privateKeyTweakMul(priv: Uint8Array, tweak: Uint8Array): Uint8Array {
  return guard('privateKeyTweakMul', () => secp.privateKeyTweakMul(Uint8Array.from(priv), tweak));
}

export function privateKeyNegate(priv: Uint8Array): Uint8Array {
  return guard('privateKeyNegate', () => secp.privateKeyNegate(Uint8Array.from(priv)));
}

/** RFC 6979 ECDSA; libsecp256k1 always yields low-S. Returns the 64-byte compact signature. */
export function ecdsaSign(msg32: Uint8Array, priv: Uint8Array): Uint8Array {
  return guard('ecdsaSign', () => secp.ecdsaSign(msg32, priv).signature);
}

/** As ecdsaSign, plus the recovery id (BOLT 11 signatures carry it). */
export function ecdsaSignRecoverable(
  msg32: Uint8Array,
  priv: Uint8Array,
): { signature: Uint8Array; recoveryId: number } {
  const r = guard('ecdsaSign', () => secp.ecdsaSign(msg32, priv));
  return { signature: r.signature, recoveryId: r.recid };
}

/** Verifies a 64-byte compact signature. High-S signatures fail (libsecp256k1 rule), as BOLT 2 wants. */
export function ecdsaVerify(sig64: Uint8Array, msg32: Uint8Array, pub: Uint8Array): boolean {
  if (sig64.length !== 64 || msg32.length !== 32) return false;
  try {
    return secp.ecdsaVerify(sig64, msg32, pub);
  } catch {
    return false;
  }
}

/** Recovers the compressed public key, or undefined if the signature/recovery id is invalid. */
export function ecdsaRecover(
  sig64: Uint8Array,
  recoveryId: number,
  msg32: Uint8Array,
): Uint8Array | undefined {
  try {
    return secp.ecdsaRecover(sig64, recoveryId, msg32, true);
  } catch {
    return undefined;
  }
}

/** Normalizes a compact signature to low-S. */
export function signatureNormalize(sig64: Uint8Array): Uint8Array {
  return guard('signatureNormalize', () => secp.signatureNormalize(Uint8Array.from(sig64)));
}

/** Compact 64-byte signature -> strict DER (without the sighash byte). */
export function signatureToDer(sig64: Uint8Array): Uint8Array {
  return guard('signatureToDer', () => secp.signatureExport(sig64));
}

/** Strict DER (without the sighash byte) -> compact 64-byte signature. */
export function signatureFromDer(der: Uint8Array): Uint8Array {
  return guard('signatureFromDer', () => secp.signatureImport(der));
}
