// BOLT 3 Appendix E (key derivation), the derived keys behind Appendix C, and channel keys.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { bytesToHex, hexToBytes, isPrivateKey, publicKeyCreate } from '../../src/crypto/index.js';
import {
  deriveChannelKeys,
  deriveCommitmentKeys,
  derivePrivkey,
  derivePubkey,
  deriveRevocationPrivkey,
  deriveRevocationPubkey,
  perCommitmentPoint,
} from '../../src/tx/index.js';
import { common, loadFixture } from './bolt3-vectors.js';

const e = loadFixture<Record<string, string>>('bolt3-keys.json');
const h = hexToBytes;

test('Appendix E: points from secrets', () => {
  assert.equal(bytesToHex(publicKeyCreate(h(e.baseSecret!))), e.basePoint);
  assert.equal(bytesToHex(perCommitmentPoint(h(e.perCommitmentSecret!))), e.perCommitmentPoint);
});

test('Appendix E: derivation of pubkey from basepoint and per_commitment_point', () => {
  assert.equal(bytesToHex(derivePubkey(h(e.basePoint!), h(e.perCommitmentPoint!))), e.localpubkey);
});

test('Appendix E: derivation of private key from basepoint secret and per_commitment_secret', () => {
  const priv = derivePrivkey(h(e.baseSecret!), h(e.perCommitmentPoint!));
  assert.equal(bytesToHex(priv), e.localprivkey);
  assert.equal(bytesToHex(publicKeyCreate(priv)), e.localpubkey);
});

test('Appendix E: derivation of revocation pubkey and secret', () => {
  assert.equal(
    bytesToHex(deriveRevocationPubkey(h(e.basePoint!), h(e.perCommitmentPoint!))),
    e.revocationpubkey,
  );
  const priv = deriveRevocationPrivkey(h(e.baseSecret!), h(e.perCommitmentSecret!));
  assert.equal(bytesToHex(priv), e.revocationprivkey);
  assert.equal(bytesToHex(publicKeyCreate(priv)), e.revocationpubkey);
});

test("Appendix C: the listed keys derive from the spec's INTERNAL secrets", () => {
  const i = common.internal;
  const point = perCommitmentPoint(h(i.localPerCommitmentSecret!));
  assert.equal(bytesToHex(point), i.localPerCommitmentPoint);
  assert.equal(
    bytesToHex(publicKeyCreate(h(i.remoteRevocationBasepointSecret!))),
    i.remoteRevocationBasepoint,
  );
  assert.equal(bytesToHex(publicKeyCreate(h(i.localPaymentBasepointSecret!))), common.localPaymentBasepoint);
  assert.equal(
    bytesToHex(publicKeyCreate(h(i.remotePaymentBasepointSecret!))),
    common.remotePaymentBasepoint,
  );
  assert.equal(bytesToHex(derivePrivkey(h(i.localPaymentBasepointSecret!), point)), common.localPrivkey);
  assert.equal(bytesToHex(derivePrivkey(h(i.remotePaymentBasepointSecret!), point)), i.remotePrivkey);
  assert.equal(
    bytesToHex(derivePrivkey(h(i.localDelayedPaymentBasepointSecret!), point)),
    i.localDelayedPrivkey,
  );
  const keys = deriveCommitmentKeys(
    point,
    {
      delayedPaymentBasepoint: h(i.localDelayedPaymentBasepoint!),
      htlcBasepoint: h(common.localHtlcBasepoint),
    },
    {
      revocationBasepoint: h(i.remoteRevocationBasepoint!),
      htlcBasepoint: h(common.remoteHtlcBasepoint),
      paymentBasepoint: h(common.remotePaymentBasepoint),
    },
  );
  assert.equal(bytesToHex(keys.revocationPubkey), common.localRevocationPubkey);
  assert.equal(bytesToHex(keys.localDelayedPubkey), common.localDelayedpubkey);
  assert.equal(bytesToHex(keys.localHtlcPubkey), common.localHtlcpubkey);
  assert.equal(bytesToHex(keys.remoteHtlcPubkey), common.remoteHtlcpubkey);
  assert.equal(bytesToHex(keys.remotePaymentPubkey), common.remotePaymentBasepoint);
});

test('deriveChannelKeys: deterministic, independent, consistent keys', () => {
  const seed = h('11'.repeat(32));
  const a = deriveChannelKeys(seed);
  assert.deepEqual(deriveChannelKeys(Uint8Array.from(seed)), a);
  const secrets = [
    a.fundingPrivkey,
    a.revocationBasepointSecret,
    a.paymentBasepointSecret,
    a.delayedPaymentBasepointSecret,
    a.htlcBasepointSecret,
    a.perCommitmentSeed,
  ].map(bytesToHex);
  assert.equal(new Set(secrets).size, 6);
  assert.deepEqual(publicKeyCreate(a.fundingPrivkey), a.fundingPubkey);
  assert.deepEqual(publicKeyCreate(a.revocationBasepointSecret), a.revocationBasepoint);
  assert.deepEqual(publicKeyCreate(a.paymentBasepointSecret), a.paymentBasepoint);
  assert.deepEqual(publicKeyCreate(a.delayedPaymentBasepointSecret), a.delayedPaymentBasepoint);
  assert.deepEqual(publicKeyCreate(a.htlcBasepointSecret), a.htlcBasepoint);
  // Pinned outputs: changing the derivation would lose every restored node's channel keys.
  assert.equal(
    bytesToHex(a.fundingPubkey),
    '03d75b2ee77e5465a48c71eeea7b3484163a1ef615d296f44ace46a93741f307ff',
  );
  assert.equal(
    bytesToHex(a.perCommitmentSeed),
    '99af83d38738959add5eb2243c50401ac257d7f352389fd1d85befaa942a083c',
  );
  const b = deriveChannelKeys(h('12'.repeat(32)));
  assert.notDeepEqual(b.fundingPubkey, a.fundingPubkey);
  assert.throws(() => deriveChannelKeys(new Uint8Array(31)), RangeError);
});

test('property: derived private keys match derived public keys', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      (s1, s2) => {
        fc.pre(isPrivateKey(s1) && isPrivateKey(s2));
        const point = perCommitmentPoint(s2);
        const basepoint = publicKeyCreate(s1);
        assert.deepEqual(publicKeyCreate(derivePrivkey(s1, point)), derivePubkey(basepoint, point));
        assert.deepEqual(
          publicKeyCreate(deriveRevocationPrivkey(s1, s2)),
          deriveRevocationPubkey(basepoint, point),
        );
      },
    ),
    { numRuns: 50 },
  );
});
