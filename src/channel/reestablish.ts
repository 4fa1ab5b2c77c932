// src/channel/reestablish.ts: disconnection and channel_reestablish (BOLT 2 "Message
// Retransmission"): what we forget, what we tell the peer, and what we send again.
import { equalBytes } from '../crypto/index.js';
import { FIRST_SECRET_INDEX, revokedSecret } from '../tx/index.js';
import type { ChannelReestablish, WireMessage } from '../wire/index.js';
import { closingSignedFor } from './closing.js';
import { commitmentSignedFor, revokeAndAckFor } from './commit.js';
import { failChannel } from './force-close.js';
import { localPoint, localSecret } from './keys.js';
import { ourChannelReady } from './ready.js';
import { done, failureMessage } from './result.js';
import type { ChannelState, StepResult } from './types.js';

const ZERO32 = new Uint8Array(32);

/** Phases in which the channel survives a disconnection and is re-established. */
function hasCommitments(state: ChannelState): boolean {
  return state.localCommit !== undefined && state.remoteCommit !== undefined;
}

/** The peer went away. */
export function peerDisconnected(state: ChannelState): StepResult {
  if (!hasCommitments(state)) {
    if (state.phase === 'aborted' || state.phase === 'closed') return done(state);
    // BOLT 2: "otherwise: ... SHOULD NOT remember the channel for reconnection." (before funding_signed)
    const actions: StepResult['actions'] =
      state.isFunder && state.fundingOutpoint !== undefined
        ? [{ kind: 'abandonFunding', txid: state.fundingOutpoint.txid }]
        : [];
    return done(
      {
        ...state,
        phase: 'aborted',
        connection: 'disconnected',
        failureMessage: 'disconnected during opening',
      },
      [],
      [{ kind: 'closed', how: 'aborted' }],
      actions,
    );
  }
  // BOLT 2: "MUST reverse any uncommitted updates sent by the other side (i.e. all messages beginning with `update_` for which no `commitment_signed` has been received)."
  const dropped = state.remoteChanges.proposed;
  const droppedAdds = BigInt(dropped.filter((u) => u.kind === 'update_add_htlc').length);
  // BOLT 2: "negotiation restarts on reconnection"
  const closing =
    state.closing === undefined
      ? undefined
      : {
          ...state.closing,
          lastSentFeeSat: undefined,
          lastReceivedFeeSat: undefined,
          lastReceivedSig: undefined,
          sentRange: false,
        };
  // BOLT 2: "SHOULD close the connection if it doesn't receive `closing_sig`." The flow restarts with the
  // shutdown exchange on reconnection: a closing_complete of ours without its closing_sig is forgotten.
  const simpleClosing =
    state.simpleClosing === undefined ? undefined : { ...state.simpleClosing, awaitingSig: undefined };
  return done({
    ...state,
    connection: 'disconnected',
    remoteChanges: { ...state.remoteChanges, proposed: [] },
    remoteNextHtlcId: state.remoteNextHtlcId - droppedAdds,
    ...(state.phase === 'negotiating' ? { closing } : {}),
    ...(simpleClosing !== undefined ? { simpleClosing } : {}),
  });
}

/** Our channel_reestablish for the current state. */
export function ourReestablish(state: ChannelState): ChannelReestablish {
  const local = state.localCommit!;
  const remote = state.remoteCommit!;
  return {
    kind: 'channel_reestablish',
    channelId: state.channelId!,
    // BOLT 2: "MUST set `next_commitment_number` to the commitment number of the next `commitment_signed` it expects to receive."
    nextCommitmentNumber: BigInt(local.index + 1),
    // BOLT 2: "MUST set `next_revocation_number` to the commitment number of the next `revoke_and_ack` message it expects to receive."
    nextRevocationNumber: BigInt(remote.index),
    // BOLT 2: "MUST set `your_last_per_commitment_secret` to the last `per_commitment_secret` it received"
    yourLastPerCommitmentSecret:
      remote.index === 0 ? ZERO32 : (revokedSecret(state.remoteSecrets, remote.index - 1) ?? ZERO32),
    myCurrentPerCommitmentPoint: localPoint(state.channelSeed, local.index),
  };
}

/** The connection is back: send channel_reestablish and wait for the peer's. */
export function peerConnected(state: ChannelState): StepResult {
  if (!hasCommitments(state) || state.phase === 'closed' || state.phase === 'aborted') return done(state);
  // BOLT 2: "if a channel is in an error state: ... SHOULD retransmit the error packet and ignore any other packets for that channel."
  if (state.phase === 'forceClosing' || state.phase === 'remoteClosed')
    return done(state, [failureMessage(state, 'error', state.failureMessage ?? 'channel is closed')]);
  // We lost state: our (stale) numbers tell the peer, and the error asks it to close.
  if (state.phase === 'dataLoss')
    return done(state, [
      ourReestablish(state),
      failureMessage(state, 'error', state.failureMessage ?? 'we lost state'),
    ]);
  // BOLT 2: "MUST transmit `channel_reestablish` for each channel."
  return done({ ...state, connection: 'awaitingReestablish' }, [ourReestablish(state)]);
}

/** The peer's channel_reestablish: detect lost state on either side and retransmit. */
export function receiveReestablish(state: ChannelState, m: ChannelReestablish): StepResult {
  if (state.connection !== 'awaitingReestablish') return done(state);
  const L = state.localCommit!.index;
  const R = state.remoteCommit!.index;
  const waiting = state.remoteNextCommit;
  const nc = m.nextCommitmentNumber;
  const nr = m.nextRevocationNumber;
  const active: ChannelState = { ...state, connection: 'active' };

  // BOLT 2: "if `next_commitment_number` is zero: ... MUST immediately fail the channel and broadcast any relevant latest commitment transaction."
  if (nc === 0n) return failChannel(active, 'channel_reestablish with next_commitment_number 0');

  // Are we behind? The peer expects a revocation we do not know we gave.
  if (nr > BigInt(L)) {
    // BOLT 2: "if `next_revocation_number` is greater than expected above, AND `your_last_per_commitment_secret` is correct for that `next_revocation_number` minus 1:" ... "MUST NOT broadcast its commitment transaction."
    const proven =
      nr - 1n <= BigInt(FIRST_SECRET_INDEX) &&
      equalBytes(m.yourLastPerCommitmentSecret, localSecret(state.channelSeed, Number(nr - 1n)));
    if (proven)
      return dataLoss(active, `peer proved we lost state (next_revocation_number ${nr}, ours ${L})`);
    return failChannel(active, `channel_reestablish next_revocation_number ${nr} is ahead of us (${L})`);
  }
  const expectedNc = BigInt(R + (waiting !== undefined ? 2 : 1));
  if (nc > expectedNc) {
    // The peer holds commitments from us we do not remember: broadcasting ours could be fatal.
    return dataLoss(active, `peer expects commitment ${nc}, we only signed up to ${expectedNc - 1n}`);
  }
  // BOLT 2: "if `your_last_per_commitment_secret` does not match the expected values:" ... "SHOULD send an `error` and fail the channel."
  const expectedSecret = nr === 0n ? ZERO32 : localSecret(state.channelSeed, Number(nr - 1n));
  if (!equalBytes(m.yourLastPerCommitmentSecret, expectedSecret))
    return failChannel(active, 'channel_reestablish your_last_per_commitment_secret is wrong');

  const out: WireMessage[] = [];
  // BOLT 2: "if `next_commitment_number` is 1 in both the `channel_reestablish` it sent and received" ... "MUST retransmit `channel_ready`."
  if (nc === 1n && L === 0 && state.channelReadySent) out.push(ourChannelReady(state));

  // BOLT 2: "if `next_revocation_number` is equal to the commitment number of the last `revoke_and_ack` the receiving node sent, AND the receiving node hasn't already received a `closing_signed`:"
  let raa: WireMessage | undefined;
  if (L >= 1 && nr === BigInt(L - 1)) {
    if (state.closing?.lastReceivedFeeSat === undefined) raa = revokeAndAckFor(state, L);
  } else if (nr !== BigInt(L)) {
    // BOLT 2: "if `next_revocation_number` is not equal to 1 greater than the commitment number of the last `revoke_and_ack` the receiving node has sent:" ... "SHOULD send an `error` and fail the channel."
    return failChannel(active, `channel_reestablish next_revocation_number ${nr}, expected ${L} or ${L - 1}`);
  }

  // BOLT 2: "if `next_commitment_number` is equal to the commitment number of the last `commitment_signed` message the receiving node has sent:" ... "MUST reuse the same commitment number for its next `commitment_signed`."
  let commit: WireMessage[] | undefined;
  if (waiting !== undefined && nc === BigInt(waiting.commit.index)) {
    commit = [...state.localChanges.signed, commitmentSignedFor(state, waiting.commit)];
  } else if (nc !== expectedNc) {
    // BOLT 2: "if `next_commitment_number` is not equal to the commitment number of the next `commitment_signed` that the receiving node would send:" ... "SHOULD send an `error` and fail the channel."
    return failChannel(active, `channel_reestablish next_commitment_number ${nc}, expected ${expectedNc}`);
  }

  // BOLT 2: "MUST retransmit `revoke_and_ack` and `commitment_signed` in the same relative order as initially transmitted."
  const commitFirst = waiting !== undefined && waiting.sentAfterLocalCommitIndex < L;
  if (commitFirst) {
    if (commit !== undefined) out.push(...commit);
    if (raa !== undefined) out.push(raa);
  } else {
    if (raa !== undefined) out.push(raa);
    if (commit !== undefined) out.push(...commit);
  }
  // BOLT 2: "if it has sent a previous `shutdown`: ... MUST retransmit `shutdown`."
  if (state.localShutdown !== undefined)
    out.push({ kind: 'shutdown', channelId: state.channelId!, scriptpubkey: state.localShutdown });
  // Our unsigned updates were dropped by the peer; they go again, in order.
  out.push(...state.localChanges.proposed);
  let next = active;
  // BOLT 2: "`closing_signed` also has no acknowledgment so must be retransmitted upon reconnection"
  // (With option_simple_close, closing_complete goes again once the peer's shutdown has arrived.)
  const legacy = !state.features.simpleClose;
  if (legacy && ((state.phase === 'negotiating' && state.isFunder) || state.phase === 'closing')) {
    const r = closingSignedFor(next);
    next = r.state;
    out.push(...r.outbound);
  }
  return done(next, out);
}

/** We are behind the peer: never broadcast our (possibly revoked) commitment; ask the peer to close. */
function dataLoss(state: ChannelState, message: string): StepResult {
  return {
    state: { ...state, phase: 'dataLoss', failureMessage: message },
    // BOLT 2: "SHOULD send an `error` to request the peer to fail the channel."
    outbound: [failureMessage(state, 'error', message)],
    events: [{ kind: 'dataLossDetected', message }],
    actions: [],
    failure: { kind: 'error', message, forceClose: false },
  };
}
