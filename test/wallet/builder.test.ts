import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hashToHex, p2wpkhScript, p2wshScript, parseTx } from '../../src/chain/index.js';
import { concatBytes, publicKeyCreate, sha256 } from '../../src/crypto/index.js';
import { verifyWitnessInput } from '../../src/tx/script-check.js';
import {
  buildAndSign,
  type ExternalInput,
  WALLET_SEQUENCE,
  type WalletInput,
} from '../../src/wallet/index.js';

const key = (n: number) => {
  const privateKey = sha256(new Uint8Array([n, 42]));
  return { privateKey, publicKey: publicKeyCreate(privateKey) };
};

test('inputs and outputs are sorted (BIP 69), the caller learns where its outputs went, and P2WPKH inputs verify', () => {
  const k = key(1);
  const inputs: WalletInput[] = [
    { kind: 'wallet', outpoint: { txid: new Uint8Array(32).fill(0x02), vout: 1 }, valueSat: 50_000n, ...k },
    { kind: 'wallet', outpoint: { txid: new Uint8Array(32).fill(0x01), vout: 5 }, valueSat: 70_000n, ...k },
    { kind: 'wallet', outpoint: { txid: new Uint8Array(32).fill(0x01), vout: 2 }, valueSat: 30_000n, ...k },
  ];
  const big = { script: p2wpkhScript(key(2).publicKey), amountSat: 100_000n };
  const small = { script: p2wpkhScript(key(3).publicKey), amountSat: 49_000n };
  const built = buildAndSign(inputs, [big, small], 123);
  const { tx, txid } = parseTx(built.raw);
  assert.deepEqual(built.txid, txid);
  assert.equal(tx.lockTime, 123);
  assert.equal(tx.version, 2);
  assert.deepEqual(built.outputIndexes, [1, 0]);
  assert.equal(tx.outputs[built.outputIndexes[0]!]!.amount, 100_000n);
  assert.deepEqual(built.inputIndexes, [2, 1, 0]);
  assert.deepEqual(
    tx.inputs.map((i) => i.index),
    [2, 5, 1],
  );
  assert.ok(tx.inputs.every((i) => i.sequence === WALLET_SEQUENCE));
  assert.equal(built.feeSat, 1_000n);
  for (const [reqIndex, pos] of built.inputIndexes.entries()) {
    const r = verifyWitnessInput(built.raw, pos, p2wpkhScript(k.publicKey), inputs[reqIndex]!.valueSat);
    assert.ok(r.ok, r.ok ? '' : r.reason);
  }
  // A wrong amount breaks the BIP 143 signature.
  assert.equal(verifyWitnessInput(built.raw, 0, p2wpkhScript(k.publicKey), 1n).ok, false);
});

test('an external P2WSH input is signed by the caller through the BIP 143 signer', () => {
  const owner = key(4);
  const witnessScript = concatBytes(new Uint8Array([33]), owner.publicKey, new Uint8Array([0xac])); // <pk> OP_CHECKSIG
  const prevoutScript = p2wshScript(sha256(witnessScript));
  const external: ExternalInput = {
    kind: 'external',
    outpoint: { txid: new Uint8Array(32).fill(9), vout: 0 },
    valueSat: 20_000n,
    prevoutScript,
    sequence: 144,
    maxWitnessWeight: 1 + 1 + 72 + 1 + witnessScript.length,
    witness: (s) => [s.sign(witnessScript, owner.privateKey), witnessScript],
  };
  const built = buildAndSign([external], [{ script: p2wpkhScript(key(5).publicKey), amountSat: 19_000n }], 0);
  const { tx } = parseTx(built.raw);
  assert.equal(tx.inputs[0]!.sequence, 144);
  assert.equal(
    hashToHex(Uint8Array.from(tx.inputs[0]!.txid).reverse()),
    hashToHex(new Uint8Array(32).fill(9)),
  );
  const ok = verifyWitnessInput(built.raw, 0, prevoutScript, 20_000n);
  assert.ok(ok.ok, ok.ok ? '' : ok.reason);
  const witnessBytes = 1 + tx.witnesses![0]!.reduce((n, w) => n + 1 + w.length, 0);
  assert.ok(witnessBytes <= external.maxWitnessWeight);
});
