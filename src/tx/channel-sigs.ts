// src/tx/channel-sigs.ts: the signatures commitment_signed carries (BOLT 2), made and checked
// against exactly the transactions BOLT 3 defines.
import type { CommitmentTx } from './commitment.js';
import { type HtlcTx, htlcRemoteSighashType } from './htlc-tx.js';
import { signInput, verifyInputSignature } from './sign.js';
import type { Result } from './tx.js';
import type { CommitmentFormat } from './weight.js';

/** Our compact signature on a commitment (ours, or the counterparty's that we send them). */
export function signCommitment(commitment: CommitmentTx, fundingPrivkey: Uint8Array): Uint8Array {
  return signInput(
    commitment.tx,
    0,
    commitment.fundingWitnessScript,
    commitment.fundingAmountSat,
    fundingPrivkey,
  );
}

/** True if `sig64` is the counterparty's valid low-S SIGHASH_ALL signature on this commitment. */
export function verifyCommitmentSignature(
  commitment: CommitmentTx,
  remoteFundingPubkey: Uint8Array,
  sig64: Uint8Array,
): boolean {
  return verifyInputSignature(
    commitment.tx,
    0,
    commitment.fundingWitnessScript,
    commitment.fundingAmountSat,
    remoteFundingPubkey,
    sig64,
  );
}

/**
 * Signs the HTLC transactions of the counterparty's commitment for `htlc_signatures`, in output
 * order. We are the "remote" side of that commitment, so option_anchors uses
 * SIGHASH_SINGLE|SIGHASH_ANYONECANPAY.
 */
export function signHtlcTxsForCounterparty(
  htlcTxs: readonly HtlcTx[],
  format: CommitmentFormat,
  htlcPrivkey: Uint8Array,
): Uint8Array[] {
  const type = htlcRemoteSighashType(format);
  return htlcTxs.map((t) => signInput(t.tx, 0, t.inputWitnessScript, t.inputAmountSat, htlcPrivkey, type));
}

/**
 * Checks the counterparty's `htlc_signatures` on the HTLC transactions of our commitment: one per
 * untrimmed HTLC, in output order. Returns the first problem as a reason.
 */
export function verifyHtlcSignatures(
  htlcTxs: readonly HtlcTx[],
  format: CommitmentFormat,
  remoteHtlcPubkey: Uint8Array,
  sigs: readonly Uint8Array[],
): Result<void> {
  if (sigs.length !== htlcTxs.length) {
    return { ok: false, reason: `expected ${htlcTxs.length} HTLC signatures, got ${sigs.length}` };
  }
  const type = htlcRemoteSighashType(format);
  for (let i = 0; i < htlcTxs.length; i++) {
    const t = htlcTxs[i]!;
    if (
      !verifyInputSignature(t.tx, 0, t.inputWitnessScript, t.inputAmountSat, remoteHtlcPubkey, sigs[i]!, type)
    ) {
      return { ok: false, reason: `HTLC signature ${i} (HTLC-${t.kind} for HTLC ${t.htlcIndex}) is invalid` };
    }
  }
  return { ok: true, value: undefined };
}
