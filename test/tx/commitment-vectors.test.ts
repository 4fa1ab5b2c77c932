// BOLT 3 Appendix C: commitment and HTLC transactions (option_static_remotekey), byte-exact,
// every signature included; then every signed input is run through the script checker.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bytesToHex, signatureFromDer } from '../../src/crypto/index.js';
import {
  buildCommitmentTx,
  buildHtlcTxs,
  commitmentNumberFromTx,
  commitmentNumberObscuringFactor,
  encodeTx,
  encodeWitnessSignature,
  fundingScript,
  fundingWitness,
  htlcSuccessWitness,
  htlcTimeoutWitness,
  p2wsh,
  SIGHASH_ALL,
  signCommitment,
  signHtlcTxsForCounterparty,
  signInput,
  txid,
  verifyCommitmentSignature,
  verifyHtlcSignatures,
  verifyInputSignature,
  verifyWitnessInput,
  withWitnesses,
} from '../../src/tx/index.js';
import { appendixC, common, h, preimageOf, signers, vectorParams } from './bolt3-vectors.js';

const fundingWs = h(common.fundingWitnessScript);
const fundingAmountSat = BigInt(common.fundingAmountSatoshi);

test('Appendix C: funding witness script and obscuring factor', () => {
  assert.equal(
    bytesToHex(fundingScript(h(common.localFundingPubkey), h(common.remoteFundingPubkey))),
    common.fundingWitnessScript,
  );
  assert.equal(
    bytesToHex(fundingScript(h(common.remoteFundingPubkey), h(common.localFundingPubkey))),
    common.fundingWitnessScript,
  );
  const factor = commitmentNumberObscuringFactor(
    h(common.localPaymentBasepoint),
    h(common.remotePaymentBasepoint),
  );
  // The spec's comment: "obscured commitment number = 0x2bb038521914 ^ 42"
  assert.equal(factor, 0x2bb038521914n);
  assert.equal(common.obscuredCommitmentNumberComment, '0x2bb038521914 ^ 42');
});

assert.equal(appendixC.vectors.length, 16);
for (const v of appendixC.vectors) {
  test(`Appendix C: ${v.name}`, () => {
    const params = vectorParams('static_remotekey', v);
    const c = buildCommitmentTx(params);

    // The outputs the spec lists in its comments (amounts and witness scripts).
    for (const expected of v.outputs) {
      const i = c.tx.outputs.findIndex((_o, n) => {
        const info = c.outputs[n]!;
        if (expected.kind === 'to_remote') return info.kind === 'to_remote';
        if (expected.kind === 'to_local') return info.kind === 'to_local';
        return info.kind === 'htlc' && v.htlcIds[info.htlcIndex] === expected.htlcId;
      });
      assert.ok(i >= 0, `output ${expected.kind} missing`);
      assert.equal(c.tx.outputs[i]!.amountSat, BigInt(expected.amountSat));
      if ('witnessScript' in expected) {
        assert.equal(bytesToHex(c.outputs[i]!.witnessScript!), expected.witnessScript);
        assert.deepEqual(c.tx.outputs[i]!.script, p2wsh(h(expected.witnessScript)));
      }
    }
    if (v.baseFeeSat !== undefined) assert.equal(c.baseFeeSat, BigInt(v.baseFeeSat));
    if (v.actualFeeSat !== undefined) assert.equal(c.feeSat, BigInt(v.actualFeeSat));
    assert.equal(c.outputs.filter((o) => o.kind === 'htlc').length, v.numHtlcs);

    // Both signatures, byte-exact (RFC 6979), and the signed transaction.
    const localSig = signInput(c.tx, 0, fundingWs, fundingAmountSat, signers.localFunding);
    const remoteSig = signInput(c.tx, 0, fundingWs, fundingAmountSat, signers.remoteFunding);
    assert.deepEqual(localSig, signatureFromDer(h(v.localSignature)));
    assert.deepEqual(remoteSig, signatureFromDer(h(v.remoteSignature)));
    assert.ok(
      verifyInputSignature(c.tx, 0, fundingWs, fundingAmountSat, h(common.remoteFundingPubkey), remoteSig),
    );
    assert.ok(
      !verifyInputSignature(
        c.tx,
        0,
        fundingWs,
        fundingAmountSat - 1n,
        h(common.remoteFundingPubkey),
        remoteSig,
      ),
    );
    const witness = fundingWitness(
      params.localFundingPubkey,
      encodeWitnessSignature(localSig, SIGHASH_ALL),
      params.remoteFundingPubkey,
      encodeWitnessSignature(remoteSig, SIGHASH_ALL),
      c.fundingWitnessScript,
    );
    const signed = withWitnesses(c.tx, [witness]);
    assert.equal(bytesToHex(encodeTx(signed)), v.commitTx);
    assert.deepEqual(verifyWitnessInput(encodeTx(signed), 0, p2wsh(fundingWs), fundingAmountSat), {
      ok: true,
    });
    const factor = commitmentNumberObscuringFactor(
      params.openerPaymentBasepoint,
      params.accepterPaymentBasepoint,
    );
    assert.equal(commitmentNumberFromTx(signed, factor), common.commitmentNumber);

    // The commitment_signed view: our signature, and the check of theirs.
    assert.deepEqual(signCommitment(c, signers.localFunding), localSig);
    assert.ok(verifyCommitmentSignature(c, params.remoteFundingPubkey, remoteSig));
    assert.ok(!verifyCommitmentSignature(c, params.remoteFundingPubkey, localSig));

    // Every HTLC transaction, in output order, with both signatures.
    const htlcTxs = buildHtlcTxs(c, params);
    assert.equal(htlcTxs.length, v.htlcTxs.length);
    const theirHtlcSigs = signHtlcTxsForCounterparty(htlcTxs, 'static_remotekey', signers.remoteHtlc);
    assert.deepEqual(
      theirHtlcSigs,
      v.htlcTxs.map((x) => signatureFromDer(h(x.remoteHtlcSignature))),
    );
    assert.deepEqual(
      verifyHtlcSignatures(htlcTxs, 'static_remotekey', params.keys.remoteHtlcPubkey, theirHtlcSigs),
      {
        ok: true,
        value: undefined,
      },
    );
    assert.equal(
      verifyHtlcSignatures(htlcTxs, 'static_remotekey', params.keys.remoteHtlcPubkey, [
        ...theirHtlcSigs,
        remoteSig,
      ]).ok,
      false,
    );
    if (theirHtlcSigs.length >= 2) {
      const swapped = [theirHtlcSigs[1]!, theirHtlcSigs[0]!, ...theirHtlcSigs.slice(2)];
      assert.equal(
        verifyHtlcSignatures(htlcTxs, 'static_remotekey', params.keys.remoteHtlcPubkey, swapped).ok,
        false,
      );
    }
    htlcTxs.forEach((ht, n) => {
      const expected = v.htlcTxs[n]!;
      assert.equal(ht.kind, expected.kind);
      assert.equal(v.htlcIds[ht.htlcIndex], expected.htlcId);
      assert.equal(ht.tx.inputs[0]!.prevout.index, expected.outputIndex);
      const remoteHtlcSig = signInput(ht.tx, 0, ht.inputWitnessScript, ht.inputAmountSat, signers.remoteHtlc);
      const localHtlcSig = signInput(ht.tx, 0, ht.inputWitnessScript, ht.inputAmountSat, signers.localHtlc);
      assert.deepEqual(remoteHtlcSig, signatureFromDer(h(expected.remoteHtlcSignature)));
      assert.deepEqual(localHtlcSig, signatureFromDer(h(expected.localHtlcSignature)));
      const rs = encodeWitnessSignature(remoteHtlcSig, SIGHASH_ALL);
      const ls = encodeWitnessSignature(localHtlcSig, SIGHASH_ALL);
      const w =
        ht.kind === 'success'
          ? htlcSuccessWitness(rs, ls, preimageOf(v.htlcIds, ht.htlcIndex), ht.inputWitnessScript)
          : htlcTimeoutWitness(rs, ls, ht.inputWitnessScript);
      const signedHtlc = encodeTx(withWitnesses(ht.tx, [w]));
      assert.equal(bytesToHex(signedHtlc), expected.tx);
      assert.deepEqual(ht.tx.inputs[0]!.prevout.txid, txid(c.tx));
      const spent = c.tx.outputs[expected.outputIndex]!;
      assert.deepEqual(verifyWitnessInput(signedHtlc, 0, spent.script, spent.amountSat), { ok: true });
    });
  });
}
