// Closing transactions (legacy and option_simple_close) and the dust thresholds they rely on.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  buildLegacyClosingTx,
  buildSimpleClosingTx,
  dustThresholdSat,
  encodeTx,
  encodeWitnessSignature,
  fundingWitness,
  isDust,
  p2wpkh,
  p2wsh,
  signInput,
  verifyWitnessInput,
  withWitnesses,
} from '../../src/tx/index.js';
import { common, h, signers } from './bolt3-vectors.js';

const fundingOutpoint = { txid: new Uint8Array(32).fill(7), index: 0 };
const localScript = p2wpkh(h(common.localFundingPubkey));
const remoteScript = p2wsh(h(common.fundingWitnessScript));
const opReturn = Uint8Array.of(0x6a, 0x04, 1, 2, 3, 4);

test('legacy closing: rounds down, funder pays the fee, own dust limit, BIP 69 order', () => {
  const tx = buildLegacyClosingTx({
    fundingOutpoint,
    localScriptPubkey: localScript,
    remoteScriptPubkey: remoteScript,
    toLocalMsat: 6_000_000_999n,
    toRemoteMsat: 3_999_999_001n,
    feeSat: 1_000n,
    localIsFunder: true,
    dustLimitSat: 546n,
  });
  assert.equal(tx.version, 2);
  assert.equal(tx.lockTime, 0);
  assert.equal(tx.inputs[0]!.sequence, 0xffffffff);
  assert.deepEqual(
    tx.outputs.map((o) => [o.amountSat, o.script]),
    [
      [3_999_999n, remoteScript],
      [5_999_000n, localScript],
    ],
  );
  const dusty = buildLegacyClosingTx({
    fundingOutpoint,
    localScriptPubkey: localScript,
    remoteScriptPubkey: remoteScript,
    toLocalMsat: 9_999_455_000n,
    toRemoteMsat: 545_000n,
    feeSat: 500n,
    localIsFunder: false,
    dustLimitSat: 546n,
  });
  // The remote (funder) output 545 - 500 = 45 sat is below our dust limit: removed.
  assert.deepEqual(
    dusty.outputs.map((o) => o.amountSat),
    [9_999_455n],
  );
  assert.throws(() =>
    buildLegacyClosingTx({
      fundingOutpoint,
      localScriptPubkey: localScript,
      remoteScriptPubkey: remoteScript,
      toLocalMsat: 100_000n,
      toRemoteMsat: 0n,
      feeSat: 101n,
      localIsFunder: true,
      dustLimitSat: 0n,
    }),
  );
});

test('legacy closing: both signatures make a valid spend of the funding output', () => {
  const fundingWs = h(common.fundingWitnessScript);
  const amount = BigInt(common.fundingAmountSatoshi);
  const tx = buildLegacyClosingTx({
    fundingOutpoint,
    localScriptPubkey: localScript,
    remoteScriptPubkey: remoteScript,
    toLocalMsat: 7_000_000_000n,
    toRemoteMsat: 3_000_000_000n,
    feeSat: 700n,
    localIsFunder: true,
    dustLimitSat: 546n,
  });
  const ls = encodeWitnessSignature(signInput(tx, 0, fundingWs, amount, signers.localFunding));
  const rs = encodeWitnessSignature(signInput(tx, 0, fundingWs, amount, signers.remoteFunding));
  const w = fundingWitness(h(common.localFundingPubkey), ls, h(common.remoteFundingPubkey), rs, fundingWs);
  assert.deepEqual(verifyWitnessInput(encodeTx(withWitnesses(tx, [w])), 0, p2wsh(fundingWs), amount), {
    ok: true,
  });
});

test('simple close: closer pays, variants choose outputs, OP_RETURN gets 0, sequence 0xFFFFFFFD', () => {
  const base = {
    fundingOutpoint,
    closerScriptPubkey: localScript,
    closeeScriptPubkey: remoteScript,
    closerBalanceMsat: 2_000_000_500n,
    closeeBalanceMsat: 8_000_000_700n,
    feeSat: 300n,
    lockTime: 840_000,
  };
  const both = buildSimpleClosingTx({ ...base, variant: 'closer_and_closee_outputs' });
  assert.equal(both.lockTime, 840_000);
  assert.equal(both.inputs[0]!.sequence, 0xfffffffd);
  assert.deepEqual(
    both.outputs.map((o) => [o.amountSat, o.script]),
    [
      [1_999_700n, localScript],
      [8_000_000n, remoteScript],
    ],
  );
  assert.deepEqual(
    buildSimpleClosingTx({ ...base, variant: 'closer_output_only' }).outputs.map((o) => o.amountSat),
    [1_999_700n],
  );
  assert.deepEqual(
    buildSimpleClosingTx({ ...base, variant: 'closee_output_only' }).outputs.map((o) => o.amountSat),
    [8_000_000n],
  );
  const burn = buildSimpleClosingTx({
    ...base,
    closerScriptPubkey: opReturn,
    variant: 'closer_and_closee_outputs',
  });
  assert.deepEqual(
    burn.outputs.map((o) => [o.amountSat, o.script]),
    [
      [0n, opReturn],
      [8_000_000n, remoteScript],
    ],
  );
  assert.throws(() => buildSimpleClosingTx({ ...base, feeSat: 2_000_001n, variant: 'closer_output_only' }));
});

test('dust thresholds: the BOLT 3 table', () => {
  const p2pkh = Uint8Array.of(0x76, 0xa9, 0x14, ...new Uint8Array(20), 0x88, 0xac);
  const p2sh = Uint8Array.of(0xa9, 0x14, ...new Uint8Array(20), 0x87);
  const p2a = Uint8Array.of(0x51, 0x02, 0x4e, 0x73);
  const v16max = Uint8Array.of(0x60, 40, ...new Uint8Array(40));
  const p2tr = Uint8Array.of(0x51, 32, ...new Uint8Array(32));
  assert.equal(dustThresholdSat(p2pkh), 546n);
  assert.equal(dustThresholdSat(p2sh), 540n);
  assert.equal(dustThresholdSat(localScript), 294n);
  assert.equal(dustThresholdSat(remoteScript), 330n);
  assert.equal(dustThresholdSat(p2a), 240n);
  assert.equal(dustThresholdSat(v16max), 354n);
  assert.equal(dustThresholdSat(p2tr), 330n);
  assert.equal(dustThresholdSat(opReturn), 0n);
  assert.ok(isDust(localScript, 293n));
  assert.ok(!isDust(localScript, 294n));
  assert.ok(!isDust(opReturn, 0n));
});
