import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  bytesToHex,
  chacha20,
  chachaPolyDecrypt,
  chachaPolyEncrypt,
  ecdh,
  ecdsaRecover,
  ecdsaSignRecoverable,
  ecdsaVerify,
  hexToBytes,
  hkdfSha256,
  publicKeyCreate,
  sha256,
  signatureFromDer,
  signatureToDer,
} from '../../src/crypto/index.js';

test('RFC 8439 2.8.2 ChaCha20-Poly1305 AEAD vector', () => {
  const key = hexToBytes('808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f');
  const nonce = hexToBytes('070000004041424344454647');
  const ad = hexToBytes('50515253c0c1c2c3c4c5c6c7');
  const pt = new TextEncoder().encode(
    "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
  );
  const sealed = chachaPolyEncrypt(key, nonce, ad, pt);
  assert.equal(bytesToHex(sealed.subarray(sealed.length - 16)), '1ae10b594f09e26a7e902ecbd0600691');
  assert.equal(bytesToHex(sealed.subarray(0, 16)), 'd31a8d34648e60db7b86afbc53ef7ec2');
  assert.deepEqual(chachaPolyDecrypt(key, nonce, ad, sealed), pt);
  sealed[3] = (sealed[3] ?? 0) ^ 1;
  assert.equal(chachaPolyDecrypt(key, nonce, ad, sealed), undefined);
});

test('RFC 8439 2.4.2 ChaCha20 keystream (counter 1 block skipped via counter-0 prefix)', () => {
  // 2.3.2 block function test: key 00..1f, nonce 000000090000004a00000000, counter 1.
  const key = hexToBytes('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f');
  const nonce = hexToBytes('000000090000004a00000000');
  const ks = chacha20(key, nonce, new Uint8Array(128));
  assert.equal(bytesToHex(ks.subarray(64, 80)), '10f1e7e4d13b5915500fdd1fa32071c4');
});

test('RFC 5869 test case 1 (HKDF-SHA256)', () => {
  const okm = hkdfSha256(
    hexToBytes('000102030405060708090a0b0c'),
    hexToBytes('0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b'),
    42,
    hexToBytes('f0f1f2f3f4f5f6f7f8f9'),
  );
  assert.equal(
    bytesToHex(okm),
    '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865',
  );
});

test('ECDH is symmetric and is sha256 of the compressed shared point', () => {
  const a = sha256(new TextEncoder().encode('a'));
  const b = sha256(new TextEncoder().encode('b'));
  const s1 = ecdh(publicKeyCreate(b), a);
  assert.deepEqual(s1, ecdh(publicKeyCreate(a), b));
  assert.equal(s1.length, 32);
});

test('sign, verify, recover, DER round trip', () => {
  const priv = sha256(new TextEncoder().encode('key'));
  const msg = sha256(new TextEncoder().encode('msg'));
  const { signature, recoveryId } = ecdsaSignRecoverable(msg, priv);
  const pub = publicKeyCreate(priv);
  assert.ok(ecdsaVerify(signature, msg, pub));
  assert.deepEqual(ecdsaRecover(signature, recoveryId, msg), pub);
  assert.deepEqual(signatureFromDer(signatureToDer(signature)), signature);
  const bad = Uint8Array.from(msg);
  bad[0] = (bad[0] ?? 0) ^ 1;
  assert.equal(ecdsaVerify(signature, bad, pub), false);
});
