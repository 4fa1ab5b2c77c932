// src/tx/witness.ts: the witness stacks that spend every BOLT 3 output. Signatures are witness
// signatures (strict DER + sighash byte, from `encodeWitnessSignature`); for P2WSH the witness
// script comes last.
import { compareBytes } from './scripts.js';

const EMPTY = new Uint8Array(0);
const TRUE = Uint8Array.of(0x01);

/**
 * Spends the 2-of-2 funding output (commitment and closing transactions).
 * BOLT 3: `txin[0]` witness: `0 <signature_for_pubkey1> <signature_for_pubkey2>`
 */
export function fundingWitness(
  localFundingPubkey: Uint8Array,
  localSig: Uint8Array,
  remoteFundingPubkey: Uint8Array,
  remoteSig: Uint8Array,
  fundingWitnessScript: Uint8Array,
): Uint8Array[] {
  const localFirst = compareBytes(localFundingPubkey, remoteFundingPubkey) <= 0;
  return localFirst
    ? [EMPTY, localSig, remoteSig, fundingWitnessScript]
    : [EMPTY, remoteSig, localSig, fundingWitnessScript];
}

/**
 * The owner claims to_local (or an HTLC transaction's output) after to_self_delay; the input's
 * nSequence must be to_self_delay.
 * BOLT 3: <local_delayedsig> <>
 */
export function toLocalDelayedWitness(localDelayedSig: Uint8Array, witnessScript: Uint8Array): Uint8Array[] {
  return [localDelayedSig, EMPTY, witnessScript];
}

/**
 * The counterparty takes to_local (or an HTLC transaction's output) of a revoked commitment.
 * BOLT 3: <revocation_sig> 1
 */
export function toLocalRevocationWitness(revocationSig: Uint8Array, witnessScript: Uint8Array): Uint8Array[] {
  return [revocationSig, TRUE, witnessScript];
}

/** to_remote without option_anchors: a P2WPKH spend. */
export function toRemoteP2wpkhWitness(remoteSig: Uint8Array, remotePubkey: Uint8Array): Uint8Array[] {
  return [remoteSig, remotePubkey];
}

/**
 * to_remote with option_anchors (the input's nSequence must be 1).
 * BOLT 3: <remote_sig>
 */
export function toRemoteAnchorsWitness(remoteSig: Uint8Array, witnessScript: Uint8Array): Uint8Array[] {
  return [remoteSig, witnessScript];
}

/** An anchor spent by its owner with its funding key. */
export function anchorWitness(fundingSig: Uint8Array, witnessScript: Uint8Array): Uint8Array[] {
  return [fundingSig, witnessScript];
}

/**
 * An anchor swept by anyone 16 blocks after confirmation (input nSequence >= 16).
 * BOLT 3: After 16 blocks, anyone can sweep the anchor with witness:
 */
export function anchorSweepWitness(witnessScript: Uint8Array): Uint8Array[] {
  return [EMPTY, witnessScript];
}

/**
 * Any HTLC output of a revoked commitment, taken by the counterparty.
 * BOLT 3: <revocation_sig> <revocationpubkey>
 */
export function htlcRevocationWitness(
  revocationSig: Uint8Array,
  revocationPubkey: Uint8Array,
  witnessScript: Uint8Array,
): Uint8Array[] {
  return [revocationSig, revocationPubkey, witnessScript];
}

/**
 * An offered HTLC claimed by the counterparty with the preimage (nSequence 1 with option_anchors).
 * BOLT 3: <remotehtlcsig> <payment_preimage>
 */
export function offeredHtlcPreimageWitness(
  remoteHtlcSig: Uint8Array,
  paymentPreimage: Uint8Array,
  witnessScript: Uint8Array,
): Uint8Array[] {
  return [remoteHtlcSig, paymentPreimage, witnessScript];
}

/**
 * A received HTLC timed out by the counterparty (locktime >= cltv_expiry; nSequence 1 with anchors).
 * BOLT 3: <remotehtlcsig> <>
 */
export function receivedHtlcTimeoutWitness(
  remoteHtlcSig: Uint8Array,
  witnessScript: Uint8Array,
): Uint8Array[] {
  return [remoteHtlcSig, EMPTY, witnessScript];
}

/**
 * The HTLC-timeout transaction's input: both HTLC signatures, the counterparty's first.
 * BOLT 3: `0 <remotehtlcsig> <localhtlcsig> <>` for HTLC-timeout
 */
export function htlcTimeoutWitness(
  remoteHtlcSig: Uint8Array,
  localHtlcSig: Uint8Array,
  witnessScript: Uint8Array,
): Uint8Array[] {
  return [EMPTY, remoteHtlcSig, localHtlcSig, EMPTY, witnessScript];
}

/**
 * The HTLC-success transaction's input.
 * BOLT 3: `0 <remotehtlcsig> <localhtlcsig>  <payment_preimage>` for HTLC-success
 */
export function htlcSuccessWitness(
  remoteHtlcSig: Uint8Array,
  localHtlcSig: Uint8Array,
  paymentPreimage: Uint8Array,
  witnessScript: Uint8Array,
): Uint8Array[] {
  return [EMPTY, remoteHtlcSig, localHtlcSig, paymentPreimage, witnessScript];
}
