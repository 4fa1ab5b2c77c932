// src/channel/onchain.ts: what the chain tells the channel: new blocks (HTLC deadlines) and the
// spend of the funding output (which transaction closed the channel, and what in it is ours).
import { equalBytes } from '../crypto/index.js';
import {
  commitmentNumberFromTx,
  commitmentNumberObscuringFactor,
  p2wpkh,
  p2wsh,
  type Tx,
  toRemoteAnchorsScript,
  txid,
} from '../tx/index.js';
import { failChannel } from './force-close.js';
import type { ChannelPolicy } from './policy.js';
import { done } from './result.js';
import type { ChannelState, HtlcEntry, StepResult, SweepItem } from './types.js';

/** Outgoing HTLCs in any current commitment that the peer has not fulfilled. */
function unresolvedOutgoing(state: ChannelState): HtlcEntry[] {
  const rc = state.remoteChanges;
  const fulfilled = new Set(
    [...rc.proposed, ...rc.acked, ...rc.signed]
      .filter((u) => u.kind === 'update_fulfill_htlc')
      .map((u) => u.id),
  );
  const seen = new Map<bigint, HtlcEntry>();
  for (const spec of [
    state.localCommit?.spec,
    state.remoteCommit?.spec,
    state.remoteNextCommit?.commit.spec,
  ]) {
    for (const h of spec?.htlcs ?? []) if (h.origin === 'local' && !fulfilled.has(h.id)) seen.set(h.id, h);
  }
  return [...seen.values()];
}

/** Incoming HTLCs we fulfilled whose removal is not yet irrevocable: we hold the preimage. */
function fulfilledIncoming(state: ChannelState): HtlcEntry[] {
  const lc = state.localChanges;
  const ids = new Set(
    [...lc.proposed, ...lc.signed, ...lc.acked]
      .filter((u) => u.kind === 'update_fulfill_htlc')
      .map((u) => u.id),
  );
  const seen = new Map<bigint, HtlcEntry>();
  for (const spec of [state.localCommit?.spec, state.remoteCommit?.spec]) {
    for (const h of spec?.htlcs ?? []) if (h.origin === 'remote' && ids.has(h.id)) seen.set(h.id, h);
  }
  return [...seen.values()];
}

/**
 * A new block: if an outgoing HTLC expired (the peer may claim it with the preimage while we
 * wait) or an incoming one we hold the preimage for is about to, we must go on chain.
 */
export function blockConnected(state: ChannelState, height: number, policy: ChannelPolicy): StepResult {
  if (state.phase !== 'normal' && state.phase !== 'shutdown' && state.phase !== 'negotiating')
    return done(state);
  for (const h of unresolvedOutgoing(state)) {
    // BOLT 2: "SHOULD fail an HTLC which has timed out." (only the chain can time out an HTLC the peer holds)
    if (height >= h.cltvExpiry + policy.offeredHtlcGraceBlocks)
      return failChannel(state, `outgoing HTLC ${h.id} expired at height ${h.cltvExpiry}`);
  }
  for (const h of fulfilledIncoming(state)) {
    if (height >= h.cltvExpiry - policy.fulfillSafetyBlocks)
      return failChannel(
        state,
        `incoming HTLC ${h.id} we fulfilled expires at ${h.cltvExpiry}; claiming on chain`,
      );
  }
  return done(state);
}

/** Our to_remote output in a commitment of the peer's (any number: static_remotekey keeps it fixed). */
function ourOutputsIn(state: ChannelState, tx: Tx): SweepItem[] {
  const base = state.local.paymentBasepoint;
  const witnessScript = state.format === 'anchors' ? toRemoteAnchorsScript(base) : undefined;
  const script = witnessScript !== undefined ? p2wsh(witnessScript) : p2wpkh(base);
  const out: SweepItem[] = [];
  tx.outputs.forEach((o, outputIndex) => {
    if (equalBytes(o.script, script))
      out.push({
        kind: 'to_remote',
        outputIndex,
        amountSat: o.amountSat,
        ...(witnessScript ? { witnessScript } : {}),
      });
  });
  return out;
}

/** The funding output was spent by `tx`. */
export function fundingSpent(state: ChannelState, tx: Tx): StepResult {
  const id = txid(tx);
  if (state.closingTxid !== undefined && equalBytes(id, state.closingTxid)) {
    const how = state.phase === 'forceClosing' ? 'local' : 'mutual';
    return done({ ...state, phase: 'closed' }, [], [{ kind: 'closed', how }]);
  }
  // option_simple_close: another of the closing transactions we signed (the peer's, or one replaced).
  if (state.simpleClosing?.signedTxids.some((t) => equalBytes(t, id)))
    return done({ ...state, phase: 'closed', closingTxid: id }, [], [{ kind: 'closed', how: 'mutual' }]);
  const remote = state.remote;
  if (remote === undefined) return done(state);
  const opener = state.isFunder ? state.local : remote;
  const accepter = state.isFunder ? remote : state.local;
  const n = commitmentNumberFromTx(
    tx,
    commitmentNumberObscuringFactor(opener.paymentBasepoint, accepter.paymentBasepoint),
  );
  const remoteTxids = [state.remoteCommit?.txid, state.remoteNextCommit?.commit.txid].filter(
    (x): x is Uint8Array => x !== undefined,
  );
  if (remoteTxids.some((t) => equalBytes(t, id)) || state.phase === 'dataLoss') {
    const sweeps = ourOutputsIn(state, tx);
    return done(
      { ...state, phase: 'remoteClosed', closingTxid: id },
      [],
      [{ kind: 'closing', how: 'remote', txid: id }],
      [{ kind: 'recordRemoteCommitment', txid: id, revoked: false, sweeps }],
    );
  }
  if (n !== undefined && state.remoteCommit !== undefined && n < state.remoteCommit.index) {
    // A revoked commitment: every output is ours with the revocation secret (penalty: a later module).
    return done(
      { ...state, phase: 'remoteClosed', closingTxid: id },
      [],
      [{ kind: 'closing', how: 'revoked', txid: id }],
      [{ kind: 'recordRemoteCommitment', txid: id, revoked: true, sweeps: ourOutputsIn(state, tx) }],
    );
  }
  if (n !== undefined && state.localCommit !== undefined && n === state.localCommit.index) {
    return done({ ...state, phase: 'closed', closingTxid: id }, [], [{ kind: 'closed', how: 'local' }]);
  }
  // A transaction we cannot place (e.g. a mutual close signed before a restart): keep what is ours.
  return done({ ...state, phase: 'closed', closingTxid: id }, [], [{ kind: 'closed', how: 'mutual' }]);
}
