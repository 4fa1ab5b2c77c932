// src/channel/commitments.ts: the BOLT 3 transactions of our and the peer's commitments, built
// from the channel state, and the signatures commitment_signed carries.
import {
  buildCommitmentTx,
  buildHtlcTxs,
  type CommitmentHtlc,
  type CommitmentParams,
  type CommitmentTx,
  deriveCommitmentKeys,
  derivePrivkey,
  fundingScript,
  type HtlcTx,
  p2wsh,
  signCommitment,
  signHtlcTxsForCounterparty,
  txid,
  verifyCommitmentSignature,
  verifyHtlcSignatures,
} from '../tx/index.js';
import { channelKeys, localPoint } from './keys.js';
import type { Owner } from './spec.js';
import type { ChannelState, CommitSpec, HtlcEntry, SideParams } from './types.js';

/** A built commitment with its HTLC transactions and the spec HTLC behind each output. */
export interface BuiltCommitment {
  params: CommitmentParams;
  commitment: CommitmentTx;
  htlcTxs: HtlcTx[];
  /** Parallel to `params.htlcs`. */
  htlcs: HtlcEntry[];
}

/** The peer's parameters; present once accept_channel / open_channel was processed. */
export function remoteParams(state: ChannelState): SideParams {
  if (state.remote === undefined) throw new Error('channel has no remote parameters yet');
  return state.remote;
}

/** The 2-of-2 funding output script (P2WSH) of this channel. */
export function fundingOutputScript(state: ChannelState): Uint8Array {
  return p2wsh(fundingScript(state.local.fundingPubkey, remoteParams(state).fundingPubkey));
}

function toCommitmentHtlc(owner: Owner, h: HtlcEntry): CommitmentHtlc {
  return {
    direction: h.origin === owner ? 'offered' : 'received',
    amountMsat: h.amountMsat,
    paymentHash: h.paymentHash,
    cltvExpiry: h.cltvExpiry,
  };
}

/**
 * Builds `owner`'s commitment number `index` for `spec`, with the owner's per-commitment point
 * (ours comes from our seed; the peer's must be given).
 */
export function buildCommitment(
  state: ChannelState,
  owner: Owner,
  spec: CommitSpec,
  index: number,
  remotePerCommitmentPoint?: Uint8Array,
): BuiltCommitment {
  const remote = remoteParams(state);
  const local = state.local;
  if (state.fundingOutpoint === undefined) throw new Error('channel has no funding outpoint yet');
  const point = owner === 'local' ? localPoint(state.channelSeed, index) : remotePerCommitmentPoint;
  if (point === undefined) throw new Error('the peer commitment needs its per-commitment point');
  const [ownerSide, otherSide] = owner === 'local' ? [local, remote] : [remote, local];
  const keys = deriveCommitmentKeys(point, ownerSide, otherSide);
  const opener = state.isFunder ? local : remote;
  const accepter = state.isFunder ? remote : local;
  const params: CommitmentParams = {
    format: state.format,
    fundingOutpoint: state.fundingOutpoint,
    fundingAmountSat: state.fundingSat,
    localFundingPubkey: ownerSide.fundingPubkey,
    remoteFundingPubkey: otherSide.fundingPubkey,
    commitmentNumber: index,
    openerPaymentBasepoint: opener.paymentBasepoint,
    accepterPaymentBasepoint: accepter.paymentBasepoint,
    localIsFunder: owner === 'local' ? state.isFunder : !state.isFunder,
    toLocalMsat: owner === 'local' ? spec.toLocalMsat : spec.toRemoteMsat,
    toRemoteMsat: owner === 'local' ? spec.toRemoteMsat : spec.toLocalMsat,
    feeratePerKw: spec.feeratePerKw,
    dustLimitSat: ownerSide.dustLimitSat,
    // The owner's outputs wait for the delay the *other* side imposed.
    toSelfDelay: otherSide.toSelfDelay,
    keys,
    htlcs: spec.htlcs.map((h) => toCommitmentHtlc(owner, h)),
  };
  const commitment = buildCommitmentTx(params);
  return { params, commitment, htlcTxs: buildHtlcTxs(commitment, params), htlcs: spec.htlcs };
}

/** Our signatures for the peer's commitment: the commitment itself and its HTLC transactions. */
export function signRemoteCommitment(
  state: ChannelState,
  spec: CommitSpec,
  index: number,
  remotePerCommitmentPoint: Uint8Array,
): { signature: Uint8Array; htlcSignatures: Uint8Array[]; txid: Uint8Array } {
  const built = buildCommitment(state, 'remote', spec, index, remotePerCommitmentPoint);
  const keys = channelKeys(state.channelSeed);
  const signature = signCommitment(built.commitment, keys.fundingPrivkey);
  const htlcPrivkey = derivePrivkey(keys.htlcBasepointSecret, remotePerCommitmentPoint);
  const htlcSignatures = signHtlcTxsForCounterparty(built.htlcTxs, state.format, htlcPrivkey);
  return { signature, htlcSignatures, txid: txid(built.commitment.tx) };
}

/** Checks the peer's signatures on our commitment number `index`; the reason if they are wrong. */
export function verifyLocalCommitment(
  state: ChannelState,
  spec: CommitSpec,
  index: number,
  signature: Uint8Array,
  htlcSignatures: readonly Uint8Array[],
): { ok: true } | { ok: false; which: 'commitment' | 'htlc_count' | 'htlc'; reason: string } {
  const built = buildCommitment(state, 'local', spec, index);
  if (!verifyCommitmentSignature(built.commitment, remoteParams(state).fundingPubkey, signature)) {
    return { ok: false, which: 'commitment', reason: `invalid signature on our commitment ${index}` };
  }
  if (htlcSignatures.length !== built.htlcTxs.length) {
    return {
      ok: false,
      which: 'htlc_count',
      reason: `expected ${built.htlcTxs.length} HTLC signatures, got ${htlcSignatures.length}`,
    };
  }
  const r = verifyHtlcSignatures(
    built.htlcTxs,
    state.format,
    built.params.keys.remoteHtlcPubkey,
    htlcSignatures,
  );
  if (!r.ok) return { ok: false, which: 'htlc', reason: r.reason };
  return { ok: true };
}
