import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import { regtestGenesisBlock } from '../../src/chain/devnet/index.js';
import {
  ChainDataError,
  checkProofOfWork,
  decodeBlock,
  decodeHeader,
  encodeHeader,
  hashToHex,
  merkleBranch,
  merkleRoot,
  parseTx,
} from '../../src/chain/index.js';
import { concatBytes, hexToBytes, sha256, sha256d } from '../../src/crypto/index.js';

const genesis = JSON.parse(readFileSync(new URL('../fixtures/chain/genesis.json', import.meta.url), 'utf8'));

test('decodes the mainnet genesis block: hash, merkle root, header fields, coinbase', () => {
  const block = decodeBlock(hexToBytes(genesis.mainnet.blockHex));
  assert.equal(hashToHex(block.hash), genesis.mainnet.hash);
  assert.equal(hashToHex(block.header.merkleRoot), genesis.mainnet.merkleRoot);
  assert.equal(block.header.time, genesis.mainnet.time);
  assert.equal(block.header.bits, genesis.mainnet.bits);
  assert.equal(block.header.nonce, genesis.mainnet.nonce);
  assert.equal(block.header.version, 1);
  assert.equal(block.txs.length, 1);
  assert.equal(hashToHex(block.txs[0]!.txid), genesis.mainnet.coinbaseTxid);
  assert.equal(block.txs[0]!.tx.outputs[0]!.amount, 5_000_000_000n);
  assert.ok(checkProofOfWork(block.headerBytes));
  assert.deepEqual(encodeHeader(decodeHeader(block.headerBytes)), block.headerBytes);
});

test('the devnet genesis is regtest genesis, so chain_hash matches what other implementations use', () => {
  const block = decodeBlock(regtestGenesisBlock());
  assert.equal(hashToHex(block.hash), genesis.regtest.hash);
  assert.equal(block.header.time, genesis.regtest.time);
  assert.equal(block.header.bits, genesis.regtest.bits);
  assert.equal(block.header.nonce, genesis.regtest.nonce);
  assert.equal(hashToHex(block.header.merkleRoot), genesis.mainnet.merkleRoot);
});

test('a block whose transactions do not match its merkle root is refused', () => {
  const raw = hexToBytes(genesis.mainnet.blockHex);
  const tampered = Uint8Array.from(raw);
  tampered[raw.length - 10]! ^= 1; // inside the coinbase output script
  assert.throws(
    () => decodeBlock(tampered),
    (e: unknown) => e instanceof ChainDataError && /merkle root/.test(e.message),
  );
  assert.throws(() => decodeBlock(raw.subarray(0, 60)), ChainDataError);
  assert.throws(() => decodeBlock(raw.subarray(0, raw.length - 3)), ChainDataError);
});

test('proof of work: a header with a wrong nonce fails the mainnet target', () => {
  const raw = hexToBytes(genesis.mainnet.blockHex).slice(0, 80);
  raw[76]! ^= 1;
  assert.equal(checkProofOfWork(raw), false);
});

test('merkle root of one hash is the hash; of two, sha256d of the pair; odd levels double the last', () => {
  const a = sha256(new Uint8Array([1]));
  const b = sha256(new Uint8Array([2]));
  const c = sha256(new Uint8Array([3]));
  assert.deepEqual(merkleRoot([a]), a);
  assert.deepEqual(merkleRoot([a, b]), sha256d(concatBytes(a, b)));
  assert.deepEqual(
    merkleRoot([a, b, c]),
    sha256d(concatBytes(sha256d(concatBytes(a, b)), sha256d(concatBytes(c, c)))),
  );
});

test('property: folding a merkle branch from a leaf gives the root', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 40 }), fc.nat(), (n, pick) => {
      const leaves = Array.from({ length: n }, (_, i) => sha256(new Uint8Array([i, n])));
      const index = pick % n;
      let acc = leaves[index]!;
      let i = index;
      for (const sibling of merkleBranch(leaves, index)) {
        acc = i % 2 === 0 ? sha256d(concatBytes(acc, sibling)) : sha256d(concatBytes(sibling, acc));
        i >>= 1;
      }
      assert.deepEqual(acc, merkleRoot(leaves));
    }),
    { numRuns: 60 },
  );
});

test('fuzz: mutated blocks and transactions fail only with ChainDataError', () => {
  const raw = hexToBytes(genesis.mainnet.blockHex);
  const tx = raw.subarray(81);
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
      fc.nat(),
      (edits, cut) => {
        for (const [base, parse] of [
          [raw, decodeBlock],
          [tx, parseTx],
        ] as const) {
          const m = Uint8Array.from(base);
          for (const [at, v] of edits) m[at % m.length] = v;
          const input = cut % 3 === 0 ? m.subarray(0, cut % m.length) : m;
          try {
            parse(input);
          } catch (e) {
            assert.ok(
              e instanceof ChainDataError,
              `unexpected ${(e as Error).name}: ${(e as Error).message}`,
            );
          }
        }
      },
    ),
    { numRuns: 400 },
  );
});
