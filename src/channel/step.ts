// src/channel/step.ts: the one entry point of the state machine: an input in, the next state and
// what to send and do out.
import { receiveClosingSigned } from './closing.js';
import { receiveCommitmentSigned, receiveRevokeAndAck, signCommitment } from './commit.js';
import { failChannel, forceCloseState } from './force-close.js';
import { blockConnected, fundingSpent } from './onchain.js';
import { fundingTxReady, receiveAcceptChannel, receiveFundingCreated, receiveFundingSigned } from './open.js';
import { fundingConfirmed, receiveChannelReady } from './ready.js';
import { peerConnected, peerDisconnected, receiveReestablish } from './reestablish.js';
import { chain, done, policyOf, reject, warn } from './result.js';
import { afterStep, receiveShutdown, shutdownCommand } from './shutdown.js';
import { receiveClosingComplete, receiveClosingSig } from './simple-close.js';
import type { ChannelInput, ChannelMessage, ChannelState, StepContext, StepResult } from './types.js';
import { addHtlc, receiveAdd, receiveFee, receiveRemove, removeHtlc, updateFee } from './updates.js';

const TERMINAL = new Set(['closed', 'aborted', 'forceClosing', 'remoteClosed', 'dataLoss']);
/** The messages a channel in phase `closing` still takes. */
const CLOSING_KINDS = new Set(['shutdown', 'closing_signed', 'closing_complete', 'closing_sig']);
const decoder = new TextDecoder();

function receive(state: ChannelState, m: ChannelMessage, ctx: StepContext): StepResult {
  const policy = policyOf(ctx);
  if (m.kind === 'warning')
    return done(state, [], [{ kind: 'peerError', message: decoder.decode(m.data), isWarning: true }]);
  if (m.kind === 'error') {
    const message = decoder.decode(m.data);
    // After a signed mutual close our closing transaction is better than any commitment.
    if (TERMINAL.has(state.phase) || state.phase === 'closing')
      return done(state, [], [{ kind: 'peerError', message, isWarning: false }]);
    // BOLT 1: "MUST fail the channel(s) referred to by the error message." (without answering it)
    const { state: next, actions } = forceCloseState(state, `peer error: ${message}`);
    const events: StepResult['events'] = [{ kind: 'peerError', message, isWarning: false }];
    if (next.closingTxid !== undefined && next.phase === 'forceClosing')
      events.push({ kind: 'closing', how: 'local', txid: next.closingTxid });
    if (next.phase === 'aborted') events.push({ kind: 'closed', how: 'aborted' });
    return done(next, [], events, actions);
  }
  if (TERMINAL.has(state.phase)) return done(state);
  if (m.kind === 'channel_reestablish') return receiveReestablish(state, m);
  // Once both signatures on a closing transaction exist, only its retransmission matters (and, with
  // option_simple_close, a replacement of either side's closing transaction).
  if (state.phase === 'closing' && !CLOSING_KINDS.has(m.kind)) return done(state);
  // BOLT 2: "MUST wait to receive the other node's `channel_reestablish` message before sending any other messages for that channel."
  if (state.connection !== 'active') return warn(state, `${m.kind} before channel_reestablish`);
  switch (m.kind) {
    case 'accept_channel':
      return state.phase === 'awaitingAcceptChannel'
        ? receiveAcceptChannel(state, m, policy)
        : warn(state, 'unexpected accept_channel');
    case 'funding_created':
      return state.phase === 'awaitingFundingCreated'
        ? receiveFundingCreated(state, m)
        : warn(state, 'unexpected funding_created');
    case 'funding_signed':
      return state.phase === 'awaitingFundingSigned'
        ? receiveFundingSigned(state, m)
        : warn(state, 'unexpected funding_signed');
    case 'channel_ready':
      if (state.localCommit === undefined) return warn(state, 'channel_ready before the funding is signed');
      return receiveChannelReady(state, m);
    case 'update_add_htlc':
      return receiveAdd(state, m);
    case 'update_fulfill_htlc':
    case 'update_fail_htlc':
    case 'update_fail_malformed_htlc':
      return receiveRemove(state, m);
    case 'update_fee':
      return receiveFee(state, m, policy);
    case 'commitment_signed':
      return receiveCommitmentSigned(state, m);
    case 'revoke_and_ack':
      return receiveRevokeAndAck(state, m);
    case 'shutdown':
      return receiveShutdown(state, m, policy, ctx.height);
    case 'closing_signed':
      return receiveClosingSigned(state, m);
    case 'closing_complete':
      return receiveClosingComplete(state, m);
    case 'closing_sig':
      return receiveClosingSig(state, m);
  }
}

function dispatch(state: ChannelState, input: ChannelInput, ctx: StepContext): StepResult {
  const policy = policyOf(ctx);
  switch (input.kind) {
    case 'addHtlc':
      return addHtlc(state, input, policy);
    case 'fulfillHtlc':
    case 'failHtlc':
    case 'failMalformedHtlc':
      return removeHtlc(state, input);
    case 'signCommitment':
      return signCommitment(state);
    case 'updateFee':
      return updateFee(state, input.feeratePerKw, policy);
    case 'closeChannel':
      return shutdownCommand(state, input, policy, ctx.height);
    case 'forceClose':
      if (TERMINAL.has(state.phase) && state.phase !== 'forceClosing')
        return reject(state, 'closing', `cannot force close in phase ${state.phase}`);
      return failChannel(state, input.reason);
    case 'fundingTxReady':
      if (state.phase !== 'awaitingFundingTx')
        return reject(state, 'not_ready', 'not waiting for a funding transaction');
      return fundingTxReady(state, input.txid, input.outputIndex);
    case 'fundingConfirmed':
      return fundingConfirmed(state, input.depth, input.shortChannelId);
    case 'fundingSpent':
      return fundingSpent(state, input.tx);
    case 'blockConnected':
      return blockConnected(state, input.height, policy);
    case 'peerConnected':
      return peerConnected(state);
    case 'peerDisconnected':
      return peerDisconnected(state);
    default:
      return receive(state, input, ctx);
  }
}

/**
 * Advances the channel by one input. Pure and deterministic: the same state, input and context
 * always give the same result. The caller MUST persist `result.state` before it sends
 * `result.outbound` or carries out `result.actions` (persist before you promise).
 */
export function step(state: ChannelState, input: ChannelInput, ctx: StepContext): StepResult {
  const r = dispatch(state, input, ctx);
  if (r.failure !== undefined || r.rejected !== undefined) return r;
  if (r.state.phase !== 'normal' && r.state.phase !== 'shutdown') return r;
  return chain(r, (s) => afterStep(s, policyOf(ctx), ctx.height));
}
