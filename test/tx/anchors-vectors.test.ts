// BOLT 3 Appendix F: commitment and HTLC transactions with option_anchors, byte-exact, including
// the SIGHASH_SINGLE|ANYONECANPAY HTLC signatures; every signed input then passes the script check.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bytesToHex, signatureFromDer } from '../../src/crypto/index.js';
import {
  ANCHOR_OUTPUT_SAT,
  anchorScript,
  buildCommitmentTx,
  buildHtlcTxs,
  decodeWitnessSignature,
  encodeTx,
  encodeWitnessSignature,
  fundingWitness,
  htlcRemoteSighashType,
  htlcSuccessWitness,
  htlcTimeoutWitness,
  p2wsh,
  SIGHASH_ALL,
  SIGHASH_SINGLE_ANYONECANPAY,
  signHtlcTxsForCounterparty,
  signInput,
  verifyCommitmentSignature,
  verifyHtlcSignatures,
  verifyInputSignature,
  verifyWitnessInput,
  withWitnesses,
} from '../../src/tx/index.js';
import { appendixF, common, h, preimageOf, signers, vectorParams } from './bolt3-vectors.js';

const fundingWs = h(common.fundingWitnessScript);
const fundingAmountSat = BigInt(common.fundingAmountSatoshi);

assert.equal(appendixF.vectors.length, 9);
for (const v of appendixF.vectors) {
  test(`Appendix F: ${v.name}`, () => {
    const params = vectorParams('anchors', v, BigInt(v.dustLimitSatoshis));
    const c = buildCommitmentTx(params);

    const localSig = signInput(c.tx, 0, fundingWs, fundingAmountSat, signers.localFunding);
    const remoteSig = signInput(c.tx, 0, fundingWs, fundingAmountSat, signers.remoteFunding);
    assert.deepEqual(remoteSig, signatureFromDer(h(v.remoteSignature)));
    const witness = fundingWitness(
      params.localFundingPubkey,
      encodeWitnessSignature(localSig),
      params.remoteFundingPubkey,
      encodeWitnessSignature(remoteSig),
      c.fundingWitnessScript,
    );
    const signed = encodeTx(withWitnesses(c.tx, [witness]));
    assert.equal(bytesToHex(signed), v.commitTx);
    assert.deepEqual(verifyWitnessInput(signed, 0, p2wsh(fundingWs), fundingAmountSat), { ok: true });

    // The anchors: 330 sat each, locked to each side's funding key.
    const anchors = c.outputs.flatMap((o, i) =>
      o.kind === 'local_anchor' || o.kind === 'remote_anchor' ? [i] : [],
    );
    for (const i of anchors) {
      assert.equal(c.tx.outputs[i]!.amountSat, ANCHOR_OUTPUT_SAT);
      const key =
        c.outputs[i]!.kind === 'local_anchor' ? params.localFundingPubkey : params.remoteFundingPubkey;
      assert.deepEqual(c.tx.outputs[i]!.script, p2wsh(anchorScript(key)));
    }
    // BOLT 3: an anchor exists for a side with an output, and for both sides while HTLCs exist.
    const has = (kind: string) => c.outputs.some((o) => o.kind === kind);
    assert.equal(has('local_anchor'), has('to_local') || has('htlc'));
    assert.equal(has('remote_anchor'), has('to_remote') || has('htlc'));

    assert.ok(verifyCommitmentSignature(c, params.remoteFundingPubkey, remoteSig));
    const htlcTxs = buildHtlcTxs(c, params);
    assert.equal(htlcTxs.length, v.htlcTxs.length);
    const theirHtlcSigs = signHtlcTxsForCounterparty(htlcTxs, 'anchors', signers.remoteHtlc);
    assert.deepEqual(
      theirHtlcSigs,
      v.htlcTxs.map((x) => signatureFromDer(h(x.remoteHtlcSignature))),
    );
    assert.equal(
      verifyHtlcSignatures(htlcTxs, 'anchors', params.keys.remoteHtlcPubkey, theirHtlcSigs).ok,
      true,
    );
    // Signatures made with SIGHASH_ALL are refused for anchor HTLC transactions.
    const allSigs = htlcTxs.map((t) =>
      signInput(t.tx, 0, t.inputWitnessScript, t.inputAmountSat, signers.remoteHtlc),
    );
    if (allSigs.length > 0)
      assert.equal(verifyHtlcSignatures(htlcTxs, 'anchors', params.keys.remoteHtlcPubkey, allSigs).ok, false);
    htlcTxs.forEach((ht, n) => {
      const expected = v.htlcTxs[n]!;
      // BOLT 3: sequence 1 and no fee with option_anchors.
      assert.equal(ht.tx.inputs[0]!.sequence, 1);
      assert.equal(ht.tx.outputs[0]!.amountSat, ht.inputAmountSat);
      const remoteType = htlcRemoteSighashType('anchors');
      assert.equal(remoteType, SIGHASH_SINGLE_ANYONECANPAY);
      const remoteHtlcSig = signInput(
        ht.tx,
        0,
        ht.inputWitnessScript,
        ht.inputAmountSat,
        signers.remoteHtlc,
        remoteType,
      );
      assert.deepEqual(remoteHtlcSig, signatureFromDer(h(expected.remoteHtlcSignature)));
      assert.ok(
        verifyInputSignature(
          ht.tx,
          0,
          ht.inputWitnessScript,
          ht.inputAmountSat,
          params.keys.remoteHtlcPubkey,
          remoteHtlcSig,
          remoteType,
        ),
      );
      // The same signature does not verify as SIGHASH_ALL: the type is part of what is signed.
      assert.ok(
        !verifyInputSignature(
          ht.tx,
          0,
          ht.inputWitnessScript,
          ht.inputAmountSat,
          params.keys.remoteHtlcPubkey,
          remoteHtlcSig,
        ),
      );
      const localHtlcSig = signInput(ht.tx, 0, ht.inputWitnessScript, ht.inputAmountSat, signers.localHtlc);
      const rs = encodeWitnessSignature(remoteHtlcSig, remoteType);
      const ls = encodeWitnessSignature(localHtlcSig, SIGHASH_ALL);
      assert.deepEqual(decodeWitnessSignature(rs), {
        sig64: remoteHtlcSig,
        sighashType: SIGHASH_SINGLE_ANYONECANPAY,
      });
      const w =
        ht.kind === 'success'
          ? htlcSuccessWitness(rs, ls, preimageOf(v.htlcIds, ht.htlcIndex), ht.inputWitnessScript)
          : htlcTimeoutWitness(rs, ls, ht.inputWitnessScript);
      const signedHtlc = encodeTx(withWitnesses(ht.tx, [w]));
      assert.equal(bytesToHex(signedHtlc), expected.tx);
      const spent = c.tx.outputs[ht.tx.inputs[0]!.prevout.index]!;
      assert.deepEqual(verifyWitnessInput(signedHtlc, 0, spent.script, spent.amountSat), { ok: true });
    });
  });
}
