// The per-HTLC witness scripts (offered, received, to_local) are assembled by hand for speed; they
// must be byte for byte what @scure/btc-signer's Script coder writes for the BOLT 3 templates, for
// any keys, hashes, delays and expiries, including the ones pushed as OP_0..OP_16.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Script } from '@scure/btc-signer';
import fc from 'fast-check';
import { hash160, ripemd160 } from '../../src/crypto/index.js';
import { offeredHtlcScript, receivedHtlcScript, toLocalScript } from '../../src/tx/scripts.js';

const key = fc.uint8Array({ minLength: 33, maxLength: 33 });
const hash = fc.uint8Array({ minLength: 32, maxLength: 32 });
/** Around every boundary of a minimal script number, and anywhere up to 2^32 - 1. */
const number = fc.oneof(
  fc.constantFrom(0, 1, 15, 16, 17, 127, 128, 255, 256, 32767, 32768, 65535, 500_000, 0x7fffffff, 0xffffffff),
  fc.integer({ min: 0, max: 0xffffffff }),
);
const anchorsTail = (anchors: boolean) => (anchors ? ([1, 'CHECKSEQUENCEVERIFY', 'DROP'] as const) : []);

test('offered and received HTLC scripts are the BOLT 3 templates as Script.encode writes them', () => {
  fc.assert(
    fc.property(key, key, key, hash, number, fc.boolean(), (rev, local, remote, ph, cltv, anchors) => {
      const p = {
        revocationPubkey: rev,
        localHtlcPubkey: local,
        remoteHtlcPubkey: remote,
        paymentHash: ph,
        anchors,
      };
      const head = [
        'DUP',
        'HASH160',
        hash160(rev),
        'EQUAL',
        'IF',
        'CHECKSIG',
        'ELSE',
        remote,
        'SWAP',
        'SIZE',
        32,
        'EQUAL',
      ] as const;
      assert.deepEqual(
        offeredHtlcScript(p),
        Script.encode([
          ...head,
          'NOTIF',
          'DROP',
          2,
          'SWAP',
          local,
          2,
          'CHECKMULTISIG',
          'ELSE',
          'HASH160',
          ripemd160(ph),
          'EQUALVERIFY',
          'CHECKSIG',
          'ENDIF',
          ...anchorsTail(anchors),
          'ENDIF',
        ]),
      );
      assert.deepEqual(
        receivedHtlcScript({ ...p, cltvExpiry: cltv }),
        Script.encode([
          ...head,
          'IF',
          'HASH160',
          ripemd160(ph),
          'EQUALVERIFY',
          2,
          'SWAP',
          local,
          2,
          'CHECKMULTISIG',
          'ELSE',
          'DROP',
          cltv,
          'CHECKLOCKTIMEVERIFY',
          'DROP',
          'CHECKSIG',
          'ENDIF',
          ...anchorsTail(anchors),
          'ENDIF',
        ]),
      );
    }),
    { numRuns: 300 },
  );
});

test('the to_local script is the BOLT 3 template as Script.encode writes it', () => {
  fc.assert(
    fc.property(key, number, key, (rev, delay, delayed) => {
      assert.deepEqual(
        toLocalScript(rev, delay, delayed),
        Script.encode([
          'IF',
          rev,
          'ELSE',
          delay,
          'CHECKSEQUENCEVERIFY',
          'DROP',
          delayed,
          'ENDIF',
          'CHECKSIG',
        ]),
      );
    }),
    { numRuns: 300 },
  );
});

test('a payment hash buffer reused with other bytes, or another revocation key, is hashed again', () => {
  const ph = new Uint8Array(32).fill(1);
  const k1 = new Uint8Array(33).fill(2);
  const k2 = new Uint8Array(33).fill(3);
  const p = {
    revocationPubkey: k1,
    localHtlcPubkey: k1,
    remoteHtlcPubkey: k1,
    paymentHash: ph,
    anchors: false,
  };
  const first = offeredHtlcScript(p);
  ph.fill(9);
  const again = offeredHtlcScript(p);
  assert.notDeepEqual(again, first);
  assert.ok(Buffer.from(again).includes(Buffer.from(ripemd160(ph))), 'the new bytes are hashed');
  const other = offeredHtlcScript({ ...p, revocationPubkey: k2 });
  assert.ok(Buffer.from(other).includes(Buffer.from(hash160(k2))));
  assert.ok(Buffer.from(offeredHtlcScript(p)).includes(Buffer.from(hash160(k1))), 'and back');
});

test('a number outside u32 is refused', () => {
  const k = new Uint8Array(33).fill(2);
  assert.throws(() => toLocalScript(k, -1, k), RangeError);
  assert.throws(() => toLocalScript(k, 2 ** 32, k), RangeError);
  assert.throws(() => toLocalScript(k, 1.5, k), RangeError);
});
