// BOLT 3 Appendix D: per-commitment secret generation and compact storage.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { bytesToHex, hexToBytes } from '../../src/crypto/index.js';
import {
  decodeShachain,
  deriveOldSecret,
  emptyShachain,
  encodeShachain,
  FIRST_SECRET_INDEX,
  generateFromSeed,
  insertSecret,
  perCommitmentSecret,
  revokedSecret,
  type ShachainStore,
} from '../../src/tx/index.js';
import { loadFixture } from './bolt3-vectors.js';

interface Vectors {
  generation: { name: string; seed: string; index: string; output: string }[];
  storage: { name: string; steps: { index: string; secret: string; output: 'OK' | 'ERROR' }[] }[];
}
const d = loadFixture<Vectors>('bolt3-shachain.json');

test('Appendix D: generation tests', () => {
  assert.equal(d.generation.length, 5);
  for (const v of d.generation) {
    assert.equal(bytesToHex(generateFromSeed(hexToBytes(v.seed), Number(v.index))), v.output, v.name);
  }
});

for (const v of d.storage) {
  test(`Appendix D: ${v.name}`, () => {
    let store = emptyShachain();
    for (const step of v.steps) {
      const r = insertSecret(store, Number(step.index), hexToBytes(step.secret));
      assert.equal(r.ok ? 'OK' : 'ERROR', step.output, `index ${step.index}`);
      if (r.ok) store = r.value;
    }
  });
}

test('Appendix D: the correct sequence derives every earlier secret', () => {
  const v = d.storage.find((s) => s.name === 'insert_secret correct sequence')!;
  let store = emptyShachain();
  for (const step of v.steps)
    store = (
      insertSecret(store, Number(step.index), hexToBytes(step.secret)) as { ok: true; value: ShachainStore }
    ).value;
  for (const step of v.steps)
    assert.equal(bytesToHex(deriveOldSecret(store, Number(step.index))!), step.secret);
  assert.equal(deriveOldSecret(store, Number(v.steps.at(-1)!.index) - 1), undefined);
});

test('insertSecret refuses out-of-order indexes and bad lengths', () => {
  const seed = new Uint8Array(32).fill(7);
  const s0 = emptyShachain();
  const skip = insertSecret(s0, FIRST_SECRET_INDEX - 1, generateFromSeed(seed, FIRST_SECRET_INDEX - 1));
  assert.equal(skip.ok, false);
  assert.equal(insertSecret(s0, FIRST_SECRET_INDEX, new Uint8Array(31)).ok, false);
  assert.equal(insertSecret(s0, -1, new Uint8Array(32)).ok, false);
});

test('property: a store fed a seed-generated sequence derives every secret; encoding round-trips', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.integer({ min: 1, max: 70 }),
      (seed, count) => {
        let store = emptyShachain();
        for (let n = 0; n < count; n++) {
          const r = insertSecret(store, FIRST_SECRET_INDEX - n, perCommitmentSecret(seed, n));
          assert.ok(r.ok);
          store = r.value;
        }
        assert.ok(store.buckets.filter((b) => b !== undefined).length <= 7);
        for (let n = 0; n < count; n++)
          assert.deepEqual(revokedSecret(store, n), perCommitmentSecret(seed, n));
        assert.equal(revokedSecret(store, count), undefined);
        const decoded = decodeShachain(encodeShachain(store));
        assert.ok(decoded.ok);
        assert.deepEqual(decoded.value, store);
        // A secret from another seed is refused once it must derive a stored one.
        const other = perCommitmentSecret(new Uint8Array(32).fill(0xee), count);
        const bad = insertSecret(store, FIRST_SECRET_INDEX - count, other);
        if ((FIRST_SECRET_INDEX - count) % 2 === 0) assert.equal(bad.ok, false);
      },
    ),
    { numRuns: 25 },
  );
});

test('decodeShachain rejects malformed data', () => {
  assert.equal(decodeShachain(new Uint8Array(10)).ok, false);
  const good = encodeShachain(emptyShachain());
  assert.equal(decodeShachain(good).ok, true);
  const trailing = new Uint8Array(good.length + 1);
  trailing.set(good);
  assert.equal(decodeShachain(trailing).ok, false);
  const badFlag = Uint8Array.from(good);
  badFlag[8] = 2;
  assert.equal(decodeShachain(badFlag).ok, false);
});
