// src/channel/result.ts: building step results (success, refusal, BOLT 2 failure).
import type { WireMessage } from '../wire/index.js';
import { type ChannelPolicy, DEFAULT_POLICY } from './policy.js';
import type {
  ChainAction,
  ChannelEvent,
  ChannelState,
  CommandRejection,
  StepContext,
  StepResult,
} from './types.js';

/** The policy a step runs under. */
export function policyOf(ctx: StepContext): ChannelPolicy {
  return ctx.policy ?? DEFAULT_POLICY;
}

/** The id the peer knows the channel by right now. */
export function currentChannelId(state: ChannelState): Uint8Array {
  return state.channelId ?? state.temporaryChannelId;
}

/** A successful step. */
export function done(
  state: ChannelState,
  outbound: WireMessage[] = [],
  events: ChannelEvent[] = [],
  actions: ChainAction[] = [],
): StepResult {
  return { state, outbound, events, actions };
}

/** A refused command: the state is unchanged and nothing is sent. */
export function reject(state: ChannelState, code: CommandRejection['code'], message: string): StepResult {
  return { state, outbound: [], events: [], actions: [], rejected: { code, message } };
}

const utf8 = new TextEncoder();

/** The BOLT 1 `warning` or `error` message carrying `message` for this channel. */
export function failureMessage(state: ChannelState, kind: 'warning' | 'error', message: string): WireMessage {
  return { kind, channelId: currentChannelId(state), data: utf8.encode(message) };
}

/**
 * A warning: send it and close the connection; the channel state is left exactly as it was
 * (the peer's uncommitted updates are dropped when the driver reports the disconnection).
 */
export function warn(state: ChannelState, message: string): StepResult {
  return {
    state,
    outbound: [failureMessage(state, 'warning', message)],
    events: [],
    actions: [],
    failure: { kind: 'warning', message, forceClose: false },
  };
}

/** Merges the outputs of consecutive sub-steps (the last state wins). */
export function chain(first: StepResult, next: (s: ChannelState) => StepResult): StepResult {
  if (first.failure !== undefined || first.rejected !== undefined) return first;
  const second = next(first.state);
  return {
    ...second,
    outbound: [...first.outbound, ...second.outbound],
    events: [...first.events, ...second.events],
    actions: [...first.actions, ...second.actions],
  };
}
