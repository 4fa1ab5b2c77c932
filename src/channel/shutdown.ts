// src/channel/shutdown.ts: closing initiation (BOLT 2 `shutdown`), and the moment the channel is
// clean enough for fee negotiation to begin.
import { equalBytes } from '../crypto/index.js';
import type { Shutdown } from '../wire/index.js';
import { startNegotiation } from './closing.js';
import { canSignNow, signCommitment } from './commit.js';
import { failChannel } from './force-close.js';
import { type ChannelPolicy, isValidShutdownScript } from './policy.js';
import { chain, done, reject, warn } from './result.js';
import { shutdownWhileSimpleClosing, simpleCloseCommand, startSimpleClose } from './simple-close.js';
import type { ChannelCommand, ChannelState, StepResult } from './types.js';

/** Phases in which a shutdown may be sent or received. */
function openEnough(state: ChannelState): boolean {
  return state.phase === 'awaitingChannelReady' || state.phase === 'normal' || state.phase === 'shutdown';
}

/** Phases of option_simple_close negotiation, in which the peer and we may (re)send closing_complete. */
function simpleClosing(state: ChannelState): boolean {
  return state.features.simpleClose && (state.phase === 'negotiating' || state.phase === 'closing');
}

/** Command: begin a cooperative close (with option_simple_close once clean: send our closing_complete). */
export function shutdownCommand(
  state: ChannelState,
  cmd: Extract<ChannelCommand, { kind: 'closeChannel' }>,
  policy: ChannelPolicy,
  height: number,
): StepResult {
  if (simpleClosing(state)) return simpleCloseCommand(state, cmd, height);
  // BOLT 2: "if it hasn't sent a `funding_created` (if it is a funder) or a `funding_signed` (if it is a fundee):" ... "MUST NOT send a `shutdown`"
  if (!openEnough(state) || state.localCommit === undefined)
    return reject(state, 'not_ready', `cannot shut down in phase ${state.phase}`);
  // BOLT 2: "MUST NOT send multiple `shutdown` messages."
  if (state.localShutdown !== undefined || state.shutdownQueued !== undefined)
    return reject(state, 'closing', 'shutdown already sent');
  const upfront = state.local.upfrontShutdownScript;
  const script = cmd.scriptpubkey ?? (upfront.length > 0 ? upfront : state.closeScript);
  // BOLT 2: "if it sent a non-zero-length `shutdown_scriptpubkey` in `open_channel` or `accept_channel`:" ... "MUST send the same value in `scriptpubkey`."
  if (upfront.length > 0 && !equalBytes(script, upfront))
    return reject(state, 'invalid', 'we committed to an upfront shutdown script; it must be used');
  if (!isValidShutdownScript(script, state.features.shutdownAnySegwit, state.features.simpleClose))
    return reject(state, 'invalid', 'not a valid shutdown scriptpubkey');
  const feerate = cmd.closingFeeratePerKw ?? policy.closingFeeratePerKw;
  const next: ChannelState = {
    ...state,
    phase: 'shutdown',
    shutdownQueued: script,
    closingFeeratePerKw: feerate,
  };
  return afterStep(next, policy, height);
}

/** The peer's shutdown. */
export function receiveShutdown(
  state: ChannelState,
  m: Shutdown,
  policy: ChannelPolicy,
  height: number,
): StepResult {
  // BOLT 2: "if it hasn't received a `funding_signed` (if it is a funder) or a `funding_created` (if it is a fundee):" ... "SHOULD send an `error` and fail the channel."
  if (state.localCommit === undefined) return failChannel(state, 'shutdown before the funding was signed');
  if (simpleClosing(state)) return shutdownWhileSimpleClosing(state, m, policy, height);
  if (!openEnough(state) && state.phase !== 'negotiating') return done(state);
  // BOLT 2: "if the `scriptpubkey` is not in one of the above forms:" ... "SHOULD send a `warning`."
  if (!isValidShutdownScript(m.scriptpubkey, state.features.shutdownAnySegwit, state.features.simpleClose))
    return warn(state, 'shutdown scriptpubkey is not a valid form');
  const upfront = state.remote?.upfrontShutdownScript ?? new Uint8Array(0);
  // BOLT 2: "and that `shutdown_scriptpubkey` is not equal to `scriptpubkey`:" ... "MUST fail the connection."
  if (state.features.upfrontShutdownScript && upfront.length > 0 && !equalBytes(upfront, m.scriptpubkey))
    return warn(state, 'shutdown scriptpubkey differs from the upfront shutdown script');
  if (state.remoteShutdown !== undefined) return done(state); // a retransmission after reconnection
  let next: ChannelState = {
    ...state,
    remoteShutdown: m.scriptpubkey,
    phase: 'shutdown',
  };
  // BOLT 2: "once there are no outstanding updates on the peer, UNLESS it has already sent a `shutdown`:" ... "MUST reply to a `shutdown` message with a `shutdown`"
  if (next.localShutdown === undefined && next.shutdownQueued === undefined) {
    const upfrontLocal = state.local.upfrontShutdownScript;
    // We did not ask to close: our closing fee follows the policy of now (the driver puts the
    // chain's estimate there), not the rate stored when the channel opened.
    next = {
      ...next,
      shutdownQueued: upfrontLocal.length > 0 ? upfrontLocal : state.closeScript,
      closingFeeratePerKw: policy.closingFeeratePerKw,
    };
  }
  return afterStep(next, policy, height);
}

/** True once nothing is in flight: no HTLCs, no unsigned or unrevoked updates, on either side. */
export function isClean(state: ChannelState): boolean {
  const l = state.localChanges;
  const r = state.remoteChanges;
  return (
    state.localCommit !== undefined &&
    state.remoteCommit !== undefined &&
    state.localCommit.spec.htlcs.length === 0 &&
    state.remoteCommit.spec.htlcs.length === 0 &&
    state.remoteNextCommit === undefined &&
    l.proposed.length + l.signed.length + l.acked.length === 0 &&
    r.proposed.length + r.signed.length + r.acked.length === 0
  );
}

/**
 * Run after every successful step: sends a queued shutdown once we have no unsigned updates
 * (signing them first when we can), and starts fee negotiation once the channel is clean
 * (option_simple_close when both sides negotiated it, else legacy closing_signed). `height` is the
 * locktime of our closing_complete.
 */
export function afterStep(state: ChannelState, policy: ChannelPolicy, height: number): StepResult {
  let r = done(state);
  const queued = state.shutdownQueued;
  if (queued !== undefined && state.connection === 'active') {
    // BOLT 2: "if there are updates pending on the receiving node's commitment transaction:" ... "MUST NOT send a `shutdown`."
    if (state.localChanges.proposed.length > 0 && canSignNow(state)) r = signCommitment(state);
    if (r.state.localChanges.proposed.length === 0) {
      const s = r.state;
      const msg: Shutdown = { kind: 'shutdown', channelId: s.channelId!, scriptpubkey: queued };
      r = {
        ...r,
        state: { ...s, localShutdown: queued, shutdownQueued: undefined },
        outbound: [...r.outbound, msg],
      };
    }
  }
  const s = r.state;
  if (
    s.phase === 'shutdown' &&
    s.localShutdown !== undefined &&
    s.remoteShutdown !== undefined &&
    s.connection === 'active' &&
    isClean(s)
  ) {
    r = chain(r, (x) =>
      x.features.simpleClose ? startSimpleClose(x, policy, height) : startNegotiation(x, policy),
    );
  }
  return r;
}
