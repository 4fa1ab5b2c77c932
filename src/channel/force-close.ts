// src/channel/force-close.ts: failing the channel. Our latest commitment, with both signatures in
// the funding input's witness, goes to the chain, with the list of outputs to sweep later.
import {
  derivePrivkey,
  encodeTx,
  encodeWitnessSignature,
  htlcRemoteSighashType,
  htlcSuccessWitness,
  htlcTimeoutWitness,
  SIGHASH_ALL,
  signCommitment,
  signInput,
  type Tx,
  withWitnesses,
} from '../tx/index.js';
import { type BuiltCommitment, buildCommitment, remoteParams } from './commitments.js';
import { withFundingWitness } from './funding-spend.js';
import { channelKeys, localPoint } from './keys.js';
import { failureMessage } from './result.js';
import type { ChainAction, ChannelState, StepResult, SweepItem } from './types.js';

/** The preimage of an incoming HTLC we fulfilled, if the fulfill is still in our update log. */
function knownPreimage(state: ChannelState, htlcId: bigint): Uint8Array | undefined {
  const c = state.localChanges;
  for (const u of [...c.proposed, ...c.signed, ...c.acked]) {
    if (u.kind === 'update_fulfill_htlc' && u.id === htlcId) return u.paymentPreimage;
  }
  return undefined;
}

/** Our latest commitment, fully signed, and what each of its outputs holds for us. */
export function signedLocalCommitment(state: ChannelState): {
  tx: Tx;
  raw: Uint8Array;
  txid: Uint8Array;
  built: BuiltCommitment;
  sweeps: SweepItem[];
} {
  const lc = state.localCommit;
  if (lc === undefined) throw new Error('no local commitment to broadcast');
  const remote = remoteParams(state);
  const keys = channelKeys(state.channelSeed);
  const built = buildCommitment(state, 'local', lc.spec, lc.index);
  const ourSig = signCommitment(built.commitment, keys.fundingPrivkey);
  const { tx, txid: id } = withFundingWitness(state, built.commitment.tx, ourSig, lc.remoteSig);
  const point = localPoint(state.channelSeed, lc.index);
  const htlcPrivkey = derivePrivkey(keys.htlcBasepointSecret, point);
  const remoteType = htlcRemoteSighashType(state.format);
  const sweeps: SweepItem[] = [];
  built.commitment.outputs.forEach((o, outputIndex) => {
    const amountSat = built.commitment.tx.outputs[outputIndex]!.amountSat;
    if (o.kind === 'to_local') {
      sweeps.push({
        kind: 'to_local',
        outputIndex,
        amountSat,
        witnessScript: o.witnessScript,
        csvDelay: remote.toSelfDelay,
        perCommitmentPoint: point,
      });
    } else if (o.kind === 'local_anchor') {
      sweeps.push({ kind: 'anchor', outputIndex, amountSat, witnessScript: o.witnessScript });
    }
  });
  built.htlcTxs.forEach((h, i) => {
    const htlc = built.htlcs[h.htlcIndex]!;
    const remoteSig = encodeWitnessSignature(lc.htlcSigs[i]!, remoteType);
    const localSig = encodeWitnessSignature(
      signInput(h.tx, 0, h.inputWitnessScript, h.inputAmountSat, htlcPrivkey, SIGHASH_ALL),
    );
    let signedTx = h.tx;
    let signed = false;
    if (h.kind === 'timeout') {
      signedTx = withWitnesses(h.tx, [htlcTimeoutWitness(remoteSig, localSig, h.inputWitnessScript)]);
      signed = true;
    } else {
      const preimage = knownPreimage(state, htlc.id);
      if (preimage !== undefined) {
        signedTx = withWitnesses(h.tx, [
          htlcSuccessWitness(remoteSig, localSig, preimage, h.inputWitnessScript),
        ]);
        signed = true;
      }
    }
    sweeps.push({
      kind: h.kind === 'timeout' ? 'htlc_timeout' : 'htlc_success',
      outputIndex: h.tx.inputs[0]!.prevout.index,
      amountSat: h.inputAmountSat,
      htlcId: htlc.id,
      paymentHash: htlc.paymentHash,
      cltvExpiry: htlc.cltvExpiry,
      tx: signedTx,
      signed,
      outputWitnessScript: h.outputWitnessScript,
      csvDelay: remote.toSelfDelay,
      perCommitmentPoint: point,
    });
  });
  return { tx, raw: encodeTx(tx), txid: id, built, sweeps };
}

/** Whether failing the channel means broadcasting: only once we hold a signed commitment. */
function canBroadcast(state: ChannelState): boolean {
  return (
    state.localCommit !== undefined &&
    state.phase !== 'dataLoss' &&
    state.phase !== 'closed' &&
    state.phase !== 'aborted' &&
    state.phase !== 'remoteClosed'
  );
}

/** Moves the channel to force-closing and returns the broadcast action (state first, then act). */
export function forceCloseState(
  state: ChannelState,
  reason: string,
): { state: ChannelState; actions: ChainAction[] } {
  if (!canBroadcast(state)) {
    const phase = state.localCommit === undefined && state.phase !== 'closed' ? 'aborted' : state.phase;
    return { state: { ...state, phase, failureMessage: reason }, actions: [] };
  }
  const c = signedLocalCommitment(state);
  return {
    state: { ...state, phase: 'forceClosing', closingTx: c.raw, closingTxid: c.txid, failureMessage: reason },
    actions: [
      {
        kind: 'broadcastCommitment',
        tx: c.raw,
        txid: c.txid,
        commitmentNumber: state.localCommit!.index,
        sweeps: c.sweeps,
      },
    ],
  };
}

/**
 * Fails the channel: sends an `error`, and (unless we may not, e.g. after data loss) broadcasts our
 * latest commitment. The failure is reported with the message.
 */
export function failChannel(state: ChannelState, message: string): StepResult {
  const { state: next, actions } = forceCloseState(state, message);
  const events: StepResult['events'] = [];
  if (next.phase === 'forceClosing' && next.closingTxid !== undefined)
    events.push({ kind: 'closing', how: 'local', txid: next.closingTxid });
  if (next.phase === 'aborted') events.push({ kind: 'closed', how: 'aborted' });
  return {
    state: next,
    outbound: [failureMessage(state, 'error', message)],
    events,
    actions,
    failure: { kind: 'error', message, forceClose: actions.length > 0 },
  };
}
