// src/channel/ready.ts: waiting for the funding depth and the channel_ready exchange (BOLT 2).
import { isPublicKey } from '../crypto/index.js';
import type { ChannelReady } from '../wire/index.js';
import { failChannel } from './force-close.js';
import { localPoint } from './keys.js';
import { done } from './result.js';
import type { ChannelEvent, ChannelState, StepResult } from './types.js';

/** Our channel_ready: the point for commitment 1 and our alias. */
export function ourChannelReady(state: ChannelState): ChannelReady {
  return {
    kind: 'channel_ready',
    channelId: state.channelId!,
    // BOLT 2: "MUST set `second_per_commitment_point` to the per-commitment point to be used for commitment transaction #1"
    secondPerCommitmentPoint: localPoint(state.channelSeed, 1),
    // BOLT 2: "if `option_scid_alias` was negotiated: ... MUST set `short_channel_id` `alias`."
    tlvs: { shortChannelId: state.localAlias },
  };
}

function readyEvent(state: ChannelState): ChannelEvent {
  return {
    kind: 'channelReady',
    localAlias: state.localAlias,
    ...(state.shortChannelId !== undefined ? { shortChannelId: state.shortChannelId } : {}),
    ...(state.remoteAlias !== undefined ? { remoteAlias: state.remoteAlias } : {}),
  };
}

/** Moves to `normal` once channel_ready went both ways. */
function maybeNormal(state: ChannelState): { state: ChannelState; events: ChannelEvent[] } {
  if (state.phase === 'awaitingChannelReady' && state.channelReadySent && state.channelReadyReceived) {
    const next: ChannelState = { ...state, phase: 'normal' };
    return { state: next, events: [readyEvent(next)] };
  }
  return { state, events: [] };
}

/** The funding transaction reached `depth` confirmations. */
export function fundingConfirmed(state: ChannelState, depth: number, shortChannelId: bigint): StepResult {
  let next: ChannelState = { ...state, fundingDepth: depth, shortChannelId };
  if (next.phase !== 'awaitingChannelReady' || next.channelReadySent) return done(next);
  // BOLT 2: "if it is not the node opening the channel: ... SHOULD wait until the funding transaction has reached `minimum_depth`" (we wait as funder too)
  if (depth < Math.max(1, next.minimumDepth)) return done(next);
  next = { ...next, channelReadySent: true };
  // Sent now if connected; otherwise channel_reestablish makes us retransmit it.
  const outbound = next.connection === 'active' ? [ourChannelReady(next)] : [];
  const r = maybeNormal(next);
  return done(r.state, outbound, r.events);
}

/** The peer's channel_ready (possibly before our own depth is reached, or redundant). */
export function receiveChannelReady(state: ChannelState, m: ChannelReady): StepResult {
  const alias = m.tlvs?.shortChannelId;
  if (state.channelReadyReceived) {
    // BOLT 2: "MUST ignore any redundant `channel_ready` it receives." (a new alias is still welcome)
    return done(alias !== undefined ? { ...state, remoteAlias: alias } : state);
  }
  if (!isPublicKey(m.secondPerCommitmentPoint))
    return failChannel(state, 'channel_ready point is not a valid point');
  const next: ChannelState = {
    ...state,
    channelReadyReceived: true,
    remoteNextPerCommitmentPoint: m.secondPerCommitmentPoint,
    ...(alias !== undefined ? { remoteAlias: alias } : {}),
  };
  const r = maybeNormal(next);
  return done(r.state, [], r.events);
}
