// src/channel: the BOLT 2 channel state machine, pure and deterministic.
//
// Inputs are received messages, commands, chain events and connection events; outputs are the
// next state, messages to send, events for the node and actions for the chain and wallet. No
// sockets, disk, clocks or randomness inside: the height, time, policy, temporary channel ids,
// aliases and channel seeds all come from the caller.
//
// THE DRIVER'S CONTRACT (persist before you promise):
//   1. Call `step(state, input, ctx)` (or `createOutboundChannel` / `createInboundChannel`).
//   2. Durably store `result.state` (e.g. `serializeChannel`) BEFORE anything else.
//   3. Only then send `result.outbound` to the peer, in order, and carry out `result.actions`
//      (broadcasts, watches) and hand `result.events` to the node.
//   A crash between 1 and 2 loses nothing: the peer never saw the messages. A crash after 2
//   re-runs from the stored state, and channel_reestablish retransmits what BOLT 2 requires.
// Other rules for the driver:
//   - A `failure` of kind `warning` means: send the outbound warning and close the connection
//     (then report `peerDisconnected`). Kind `error` with `forceClose` carries the broadcast of our
//     latest commitment in `actions`. Without `forceClose` the channel is abandoned (no funds at
//     stake, or we lost data and must wait for the peer's commitment).
//   - `rejected` commands changed nothing and sent nothing.
//   - Send `signCommitment` whenever `needsSignature(state)` says so (batching is up to the
//     driver); updates are not signed automatically.
//   - `htlcFulfilled` may be reported again if the peer retransmits its fulfill after a
//     reconnection; settle upstream idempotently.
//   - Cooperative close is the `closeChannel` command (the wire message keeps the name `shutdown`).
//     When both sides negotiated option_simple_close (closing_complete / closing_sig), each fully
//     signed closing transaction comes as a `broadcastClosing` action (ours and the peer's may both
//     exist, and either may be replaced by RBF); `closeChannel` again once the channel is clean sends a
//     new closing_complete of ours (fee bump or first offer). Otherwise legacy closing_signed is used.
//   - `htlcAdded` with `closing: true` arrived after we sent shutdown: settle it if we are the final
//     hop, but do not route it onward (BOLT 2).

export { channelTypeFor, judgeChannelType, negotiatedFeatures } from './channel-type.js';
export { closingFeeAt } from './closing.js';
export { canSignNow as needsSignature, localHasChanges, remoteHasChanges } from './commit.js';
export { buildCommitment, fundingOutputScript } from './commitments.js';
// The driver: the shell that runs the machine for the node (persist, then send, act, report).
export { ChannelDriver } from './driver.js';
export { DRIVER_KV } from './driver-store.js';
export {
  type ChannelDriverListener,
  type ChannelDriverOptions,
  type ChannelSnapshot,
  type CommittedIncomingHtlc,
  DriverError,
  type DriverErrorCode,
  type DriverLogger,
  type DriverPeers,
  type DriverWallet,
  type HtlcCommandResult,
  type OpenChannelOptions,
  type OpenChannelResult,
  type OutgoingResolution,
} from './driver-types.js';
export { isUsable, receivableMsat, spendableMsat } from './driver-view.js';
export { type IncomingDustOverflow, incomingDustOverflow } from './dust.js';
export {
  decideFeeUpdate,
  FEE_LOWER_RATIO,
  FEE_RAISE_RATIO,
  type FeeUpdateDecision,
  type FeeUpdateInputs,
  feerateTargetFor,
  mayUpdateFee,
  planFeeUpdate,
} from './fee-update.js';
export { signedLocalCommitment } from './force-close.js';
export {
  channelIdFrom,
  createInboundChannel,
  createOutboundChannel,
  type InboundChannelParams,
  type OutboundChannelParams,
} from './open.js';
export {
  acceptableRemoteFeerate,
  type ChainFeerates,
  type ChannelPolicy,
  CLTV_EXPIRY_LIMIT,
  DEFAULT_DUST_EXPOSURE_MULTIPLIER,
  DEFAULT_POLICY,
  type DustExposureLimit,
  dustExposureLimitMsat,
  FEERATE_FLOOR_PER_KW,
  isValidShutdownScript,
  MAX_ACCEPTED_HTLCS_LIMIT,
  MIN_DUST_LIMIT_SAT,
  MIN_REMOTE_FEERATE_CEILING_PER_KW,
  maxInFlightFor,
  policyWith,
  reserveFor,
} from './policy.js';
export { ourReestablish } from './reestablish.js';
export { deserializeChannel, serializeChannel } from './serialize.js';
export { isClean } from './shutdown.js';
export { ChannelInvariantError, commitmentCostMsat, reduceSpec } from './spec.js';
export { step } from './step.js';
export type * from './types.js';
export { BADONION, feeUpdateProblem } from './updates.js';
