// src/channel/funding-spend.ts: transactions that spend the funding output (closing transactions of
// both negotiations, our commitment on a force close): the 2-of-2 script, our signature, a check
// of the peer's, and the witness that joins the two.
import {
  encodeTx,
  encodeWitnessSignature,
  fundingScript,
  fundingWitness,
  signInput,
  type Tx,
  txid,
  verifyInputSignature,
  withWitnesses,
} from '../tx/index.js';
import { remoteParams } from './commitments.js';
import { channelKeys } from './keys.js';
import type { ChannelState } from './types.js';

/** The funding output's 2-of-2 witness script. */
export function fundingWitnessScript(state: ChannelState): Uint8Array {
  return fundingScript(state.local.fundingPubkey, remoteParams(state).fundingPubkey);
}

/** Our signature on input 0 of `tx`, which spends the funding output. */
export function signFundingSpend(state: ChannelState, tx: Tx): Uint8Array {
  return signInput(
    tx,
    0,
    fundingWitnessScript(state),
    state.fundingSat,
    channelKeys(state.channelSeed).fundingPrivkey,
  );
}

/** Whether `sig` is the peer's valid signature on input 0 of `tx`. */
export function verifyFundingSpend(state: ChannelState, tx: Tx, sig: Uint8Array): boolean {
  return verifyInputSignature(
    tx,
    0,
    fundingWitnessScript(state),
    state.fundingSat,
    remoteParams(state).fundingPubkey,
    sig,
  );
}

/** `tx` with both signatures in its funding input's witness: ready to broadcast. */
export function withFundingWitness(
  state: ChannelState,
  tx: Tx,
  ourSig: Uint8Array,
  theirSig: Uint8Array,
): { tx: Tx; raw: Uint8Array; txid: Uint8Array } {
  const witness = fundingWitness(
    state.local.fundingPubkey,
    encodeWitnessSignature(ourSig),
    remoteParams(state).fundingPubkey,
    encodeWitnessSignature(theirSig),
    fundingWitnessScript(state),
  );
  const signed = withWitnesses(tx, [witness]);
  return { tx: signed, raw: encodeTx(signed), txid: txid(signed) };
}
