// ksnode/htlcswitch: forwarding between channels. Decides each forward by BOLT 4's rules (pure
// `decideForward`), keeps the circuit from each outgoing HTLC back to its origin in the store, and
// resolves an incoming HTLC only after its outgoing one resolved (or can never resolve).
export {
  type Circuit,
  type CircuitState,
  circuitOrigin,
  decodeCircuit,
  encodeCircuit,
  type ForwardCircuit,
  forwardCircuitKey,
  type LocalCircuit,
  localCircuitKey,
  type UpstreamResolution,
} from './circuit.js';
export { SWITCH_KV_NAMESPACE } from './circuit-store.js';
export {
  decideForward,
  type ForwardDecision,
  type ForwardFailure,
  type ForwardFailureName,
  type IncomingTerms,
  isChannelStateFailure,
  type OutgoingChannelView,
} from './decide.js';
export type {
  AddHtlcRequest,
  AddHtlcResult,
  AddRefusal,
  ChannelLink,
  DownstreamFailure,
  IncomingHtlc,
  IncomingRefusal,
} from './link.js';
export {
  DEFAULT_CLTV_EXPIRY_DELTA,
  DEFAULT_FEE_BASE_MSAT,
  DEFAULT_FEE_PROPORTIONAL_MILLIONTHS,
  DEFAULT_FORWARD_LIMITS,
  type ForwardingPolicy,
  type ForwardLimits,
  forwardingFeeMsat,
  MAX_HTLC_CLTV,
} from './policy.js';
export type {
  FinalHopHandler,
  FinalHopResolution,
  FinalHtlc,
  LocalHtlcOutcome,
  PaymentOutcomeSink,
  SwitchEvent,
} from './ports.js';
export { malformedToFailure } from './returns.js';
export { HtlcSwitch, type HtlcSwitchConfig, type SendHtlcRequest, type SendHtlcResult } from './switch.js';
