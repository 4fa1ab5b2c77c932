// src/channel/commit.ts: commitment_signed and revoke_and_ack (BOLT 2 "Committing Updates So
// Far" and "Completing the Transition to the Updated State").
import { equalBytes, isPrivateKey, isPublicKey, publicKeyCreate } from '../crypto/index.js';
import { FIRST_SECRET_INDEX, insertSecret } from '../tx/index.js';
import type { CommitmentSigned, RevokeAndAck } from '../wire/index.js';
import { signRemoteCommitment, verifyLocalCommitment } from './commitments.js';
import { failChannel } from './force-close.js';
import { localPoint, localSecret } from './keys.js';
import { done, warn } from './result.js';
import { reduceSpec } from './spec.js';
import type { ChannelEvent, ChannelState, StepResult, UpdateMessage } from './types.js';
import { attributionOf } from './updates.js';

/** Whether we have updates the peer's commitment does not have yet. */
export function localHasChanges(state: ChannelState): boolean {
  return state.localChanges.proposed.length > 0 || state.remoteChanges.acked.length > 0;
}

/** Whether the peer may sign a new commitment for us now (it has something to put in it). */
export function remoteHasChanges(state: ChannelState): boolean {
  return state.localChanges.acked.length > 0 || state.remoteChanges.proposed.length > 0;
}

/** Whether a signCommitment command would send a commitment_signed right now. */
export function canSignNow(state: ChannelState): boolean {
  return (
    (state.phase === 'normal' || state.phase === 'shutdown') &&
    state.connection === 'active' &&
    state.remoteNextCommit === undefined &&
    state.remoteNextPerCommitmentPoint !== undefined &&
    localHasChanges(state)
  );
}

/** The commitment_signed for a remote commitment we built (also used to retransmit it). */
export function commitmentSignedFor(
  state: ChannelState,
  commit: NonNullable<ChannelState['remoteNextCommit']>['commit'],
): CommitmentSigned {
  const sigs = signRemoteCommitment(state, commit.spec, commit.index, commit.perCommitmentPoint);
  return {
    kind: 'commitment_signed',
    channelId: state.channelId!,
    signature: sigs.signature,
    htlcSignature: sigs.htlcSignatures,
    // BOLT 2: "MUST set `funding_txid` to the funding transaction spent by this commitment transaction."
    tlvs: { fundingTxid: state.fundingOutpoint!.txid },
  };
}

/** Command: sign the peer's next commitment with every update it does not have yet. */
export function signCommitment(state: ChannelState): StepResult {
  // BOLT 2: "MUST NOT send a `commitment_signed` message that does not include any updates."
  if (!canSignNow(state)) return done(state);
  const index = state.remoteCommit!.index + 1;
  const point = state.remoteNextPerCommitmentPoint!;
  const spec = reduceSpec(state.remoteCommit!.spec, state.localChanges.proposed, state.remoteChanges.acked);
  const sigs = signRemoteCommitment(state, spec, index, point);
  const next: ChannelState = {
    ...state,
    remoteNextCommit: {
      commit: { index, spec, txid: sigs.txid, perCommitmentPoint: point },
      sentAfterLocalCommitIndex: state.localCommit!.index,
    },
    remoteNextPerCommitmentPoint: undefined,
    localChanges: { ...state.localChanges, proposed: [], signed: state.localChanges.proposed },
    remoteChanges: { ...state.remoteChanges, acked: [], signed: state.remoteChanges.acked },
  };
  const msg: CommitmentSigned = {
    kind: 'commitment_signed',
    channelId: state.channelId!,
    signature: sigs.signature,
    htlcSignature: sigs.htlcSignatures,
    tlvs: { fundingTxid: state.fundingOutpoint!.txid },
  };
  return done(next, [msg]);
}

/** Our revoke_and_ack for the commitment before `localCommitIndex`. */
export function revokeAndAckFor(state: ChannelState, localCommitIndex: number): RevokeAndAck {
  return {
    kind: 'revoke_and_ack',
    channelId: state.channelId!,
    // BOLT 2: "MUST set `per_commitment_secret` to the secret used to generate keys for the previous commitment transaction."
    perCommitmentSecret: localSecret(state.channelSeed, localCommitIndex - 1),
    // BOLT 2: "MUST set `next_per_commitment_point` to the values for its next commitment transaction."
    nextPerCommitmentPoint: localPoint(state.channelSeed, localCommitIndex + 1),
  };
}

/** Events for our removals of incoming HTLCs that are now out of both commitments for good. */
function resolvedIncoming(before: ChannelState, removals: readonly UpdateMessage[]): ChannelEvent[] {
  const out: ChannelEvent[] = [];
  for (const u of removals) {
    if (u.kind === 'update_add_htlc' || u.kind === 'update_fee') continue;
    const h = before.localCommit!.spec.htlcs.find((x) => x.origin === 'remote' && x.id === u.id);
    if (h === undefined) continue;
    out.push({
      kind: 'htlcResolved',
      htlcId: u.id,
      paymentHash: h.paymentHash,
      amountMsat: h.amountMsat,
      fulfilled: u.kind === 'update_fulfill_htlc',
    });
  }
  return out;
}

function balanceEvent(state: ChannelState): ChannelEvent {
  const spec = state.localCommit!.spec;
  return { kind: 'balanceChanged', localMsat: spec.toLocalMsat, remoteMsat: spec.toRemoteMsat };
}

/** The peer's commitment_signed: check it against exactly our next commitment, then revoke. */
export function receiveCommitmentSigned(state: ChannelState, m: CommitmentSigned): StepResult {
  if (state.phase !== 'normal' && state.phase !== 'shutdown')
    return failChannel(state, `commitment_signed in phase ${state.phase}`);
  // BOLT 2: "MUST NOT send a `commitment_signed` message that does not include any updates." (the sender's rule; we only warn)
  if (!remoteHasChanges(state)) return warn(state, 'commitment_signed without any updates');
  const local = state.localCommit!;
  const index = local.index + 1;
  const spec = reduceSpec(local.spec, state.localChanges.acked, state.remoteChanges.proposed);
  const check = verifyLocalCommitment(state, spec, index, m.signature, m.htlcSignature);
  if (!check.ok) {
    // BOLT 2: "if `signature` is not valid for its local commitment transaction OR non-compliant with LOW-S-standard rule"
    // BOLT 2: "if `num_htlcs` is not equal to the number of HTLC outputs in the local commitment transaction:"
    // BOLT 2: "if any `htlc_signature` is not valid for the corresponding HTLC transaction OR non-compliant with LOW-S-standard rule"
    return failChannel(state, `commitment_signed: ${check.reason}`);
  }
  const removals = state.localChanges.acked;
  const next: ChannelState = {
    ...state,
    localCommit: { index, spec, remoteSig: m.signature, htlcSigs: m.htlcSignature },
    localChanges: { ...state.localChanges, acked: [] },
    remoteChanges: {
      ...state.remoteChanges,
      proposed: [],
      acked: [...state.remoteChanges.acked, ...state.remoteChanges.proposed],
    },
  };
  // BOLT 2: "MUST respond with a `revoke_and_ack` message."
  const events = resolvedIncoming(state, removals);
  if (events.length > 0) events.push(balanceEvent(next));
  return done(next, [revokeAndAckFor(next, index)], events);
}

/** The peer's revoke_and_ack: the secret must open the commitment it revokes. */
export function receiveRevokeAndAck(state: ChannelState, m: RevokeAndAck): StepResult {
  const pending = state.remoteNextCommit;
  if (pending === undefined || (state.phase !== 'normal' && state.phase !== 'shutdown'))
    return failChannel(state, 'unexpected revoke_and_ack');
  const revoked = state.remoteCommit!;
  // BOLT 2: "if `per_commitment_secret` is not a valid secret key or does not generate the previous `per_commitment_point`:" ... "MUST send an `error` and fail the channel."
  if (
    m.perCommitmentSecret.length !== 32 ||
    !isPrivateKey(m.perCommitmentSecret) ||
    !equalBytes(publicKeyCreate(m.perCommitmentSecret), revoked.perCommitmentPoint)
  ) {
    return failChannel(state, `revoke_and_ack secret does not match commitment ${revoked.index}`);
  }
  if (!isPublicKey(m.nextPerCommitmentPoint))
    return failChannel(state, 'revoke_and_ack next point is not a valid point');
  // BOLT 2: "if the `per_commitment_secret` was not generated by the protocol in [BOLT #3](03-transactions.md#per-commitment-secret-requirements):"
  const stored = insertSecret(state.remoteSecrets, FIRST_SECRET_INDEX - revoked.index, m.perCommitmentSecret);
  if (!stored.ok) return failChannel(state, `revoke_and_ack: ${stored.reason}`);
  const theirSigned = state.remoteChanges.signed;
  const next: ChannelState = {
    ...state,
    remoteCommit: pending.commit,
    remoteNextCommit: undefined,
    remoteNextPerCommitmentPoint: m.nextPerCommitmentPoint,
    remoteSecrets: stored.value,
    localChanges: {
      ...state.localChanges,
      signed: [],
      acked: [...state.localChanges.acked, ...state.localChanges.signed],
    },
    remoteChanges: { ...state.remoteChanges, signed: [] },
  };
  // The peer's updates we signed are now in both commitments, and both older ones are revoked.
  const events: ChannelEvent[] = [];
  let removed = false;
  for (const u of theirSigned) {
    if (u.kind === 'update_add_htlc') {
      events.push({
        kind: 'htlcAdded',
        htlcId: u.id,
        amountMsat: u.amountMsat,
        paymentHash: u.paymentHash,
        cltvExpiry: u.cltvExpiry,
        onionRoutingPacket: u.onionRoutingPacket,
        ...(u.tlvs?.blindedPath !== undefined ? { pathKey: u.tlvs.blindedPath } : {}),
        // BOLT 2: "SHOULD fail to route any HTLC added after it has sent `shutdown`."
        ...(state.localShutdown !== undefined ? { closing: true as const } : {}),
      });
    } else if (u.kind === 'update_fail_htlc' || u.kind === 'update_fail_malformed_htlc') {
      const h = revoked.spec.htlcs.find((x) => x.origin === 'local' && x.id === u.id);
      if (h === undefined) continue;
      removed = true;
      events.push({
        kind: 'htlcFailed',
        htlcId: u.id,
        paymentHash: h.paymentHash,
        amountMsat: h.amountMsat,
        reason:
          u.kind === 'update_fail_htlc'
            ? { kind: 'onion', reason: u.reason, ...attributionOf(u) }
            : { kind: 'malformed', sha256OfOnion: u.sha256OfOnion, failureCode: u.failureCode },
      });
    } else if (u.kind === 'update_fulfill_htlc') {
      removed = true;
    }
  }
  if (removed) events.push(balanceEvent(next));
  return done(next, [], events);
}
