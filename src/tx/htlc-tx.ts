// src/tx/htlc-tx.ts: BOLT 3 "HTLC-Timeout and HTLC-Success Transactions", the second stage that
// spends an HTLC output of the owner's commitment into a to_self_delay-locked output.
import type { CommitmentHtlc, CommitmentParams, CommitmentTx } from './commitment.js';
import { p2wsh, toLocalScript } from './scripts.js';
import { SIGHASH_ALL, SIGHASH_SINGLE_ANYONECANPAY, type Tx, txid } from './tx.js';
import { type CommitmentFormat, htlcSuccessFeeSat, htlcTimeoutFeeSat } from './weight.js';

/** One second-stage transaction, with what is needed to sign or verify its input. */
export interface HtlcTx {
  /** `timeout` for an HTLC the owner offered, `success` for one it received. */
  kind: 'timeout' | 'success';
  /** Index into the commitment params' `htlcs`. */
  htlcIndex: number;
  /** The unsigned transaction. */
  tx: Tx;
  /** The HTLC output's witness script (what the input's signatures commit to). */
  inputWitnessScript: Uint8Array;
  /** The HTLC output's amount (BIP 143 signs it). */
  inputAmountSat: bigint;
  /** The to_local-shaped witness script of this transaction's single output. */
  outputWitnessScript: Uint8Array;
}

/** What one HTLC transaction depends on (`buildHtlcTxs` fills these from a commitment). */
export interface HtlcTxParams {
  format: CommitmentFormat;
  commitmentTxid: Uint8Array;
  outputIndex: number;
  htlc: CommitmentHtlc;
  htlcIndex: number;
  inputWitnessScript: Uint8Array;
  feeratePerKw: number;
  toSelfDelay: number;
  revocationPubkey: Uint8Array;
  localDelayedPubkey: Uint8Array;
  /**
   * The output's witness script and P2WSH script when already built: they are the same for every
   * HTLC transaction of a commitment (see buildHtlcTxs).
   */
  output?: { witnessScript: Uint8Array; script: Uint8Array };
}

/** Builds the HTLC-timeout (offered HTLC) or HTLC-success (received HTLC) transaction. */
export function buildHtlcTx(p: HtlcTxParams): HtlcTx {
  const offered = p.htlc.direction === 'offered';
  const amountSat = p.htlc.amountMsat / 1000n;
  const feeSat = offered
    ? htlcTimeoutFeeSat(p.format, p.feeratePerKw)
    : htlcSuccessFeeSat(p.format, p.feeratePerKw);
  if (amountSat < feeSat)
    throw new RangeError('an HTLC below its second-stage fee is trimmed and has no HTLC transaction');
  const outputWitnessScript =
    p.output?.witnessScript ?? toLocalScript(p.revocationPubkey, p.toSelfDelay, p.localDelayedPubkey);
  const tx: Tx = {
    version: 2,
    // BOLT 3: locktime: `0` for HTLC-success, `cltv_expiry` for HTLC-timeout
    lockTime: offered ? p.htlc.cltvExpiry : 0,
    inputs: [
      {
        prevout: { txid: p.commitmentTxid, index: p.outputIndex },
        // BOLT 3: `txin[0]` sequence: `0` (set to `1` for `option_anchors`)
        sequence: p.format === 'anchors' ? 1 : 0,
        scriptSig: new Uint8Array(0),
        witness: [],
      },
    ],
    // BOLT 3: `txout[0]` amount: the HTLC `amount_msat` divided by 1000 (rounding down) minus fees in satoshis (see [Fee Calculation](#fee-calculation))
    outputs: [{ amountSat: amountSat - feeSat, script: p.output?.script ?? p2wsh(outputWitnessScript) }],
  };
  return {
    kind: offered ? 'timeout' : 'success',
    htlcIndex: p.htlcIndex,
    tx,
    inputWitnessScript: p.inputWitnessScript,
    inputAmountSat: amountSat,
    outputWitnessScript,
  };
}

/**
 * Every HTLC transaction of a commitment, in the commitment's output order: the order of
 * `htlc_signatures` in commitment_signed.
 */
export function buildHtlcTxs(commitment: CommitmentTx, params: CommitmentParams): HtlcTx[] {
  const commitmentTxid = txid(commitment.tx);
  const witnessScript = toLocalScript(
    params.keys.revocationPubkey,
    params.toSelfDelay,
    params.keys.localDelayedPubkey,
  );
  const output = { witnessScript, script: p2wsh(witnessScript) };
  const out: HtlcTx[] = [];
  commitment.outputs.forEach((o, outputIndex) => {
    if (o.kind !== 'htlc') return;
    const htlc = params.htlcs[o.htlcIndex]!;
    out.push(
      buildHtlcTx({
        format: params.format,
        commitmentTxid,
        outputIndex,
        htlc,
        htlcIndex: o.htlcIndex,
        inputWitnessScript: o.witnessScript,
        feeratePerKw: params.feeratePerKw,
        toSelfDelay: params.toSelfDelay,
        revocationPubkey: params.keys.revocationPubkey,
        localDelayedPubkey: params.keys.localDelayedPubkey,
        output,
      }),
    );
  });
  return out;
}

/**
 * The sighash type of the counterparty's signature on an HTLC transaction.
 * BOLT 3: if `option_anchors` applies to this commitment transaction, `SIGHASH_SINGLE|SIGHASH_ANYONECANPAY` is used as described in [BOLT #5](05-onchain.md#generation-of-htlc-transactions).
 */
export function htlcRemoteSighashType(format: CommitmentFormat): number {
  return format === 'anchors' ? SIGHASH_SINGLE_ANYONECANPAY : SIGHASH_ALL;
}
