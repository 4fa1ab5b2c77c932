// src/channel/open.ts: channel establishment v1 (BOLT 2): open_channel / accept_channel,
// funding_created / funding_signed, as funder and as fundee.
import { equalBytes, isPublicKey } from '../crypto/index.js';
import { emptyShachain } from '../tx/index.js';
import type {
  AcceptChannel,
  FundingCreated,
  FundingSigned,
  OpenChannel,
  WireMessage,
} from '../wire/index.js';
import { channelTypeFor, judgeChannelType } from './channel-type.js';
import { fundingOutputScript, signRemoteCommitment, verifyLocalCommitment } from './commitments.js';
import { channelKeys, localPoint } from './keys.js';
import {
  type ChannelPolicy,
  DEFAULT_POLICY,
  isValidShutdownScript,
  LARGE_CHANNEL_SAT,
  MAX_ACCEPTED_HTLCS_LIMIT,
  MIN_DUST_LIMIT_SAT,
  maxInFlightFor,
  reserveFor,
} from './policy.js';
import { done, failureMessage, reject } from './result.js';
import { commitmentCostMsat } from './spec.js';
import type {
  ChannelFormat,
  ChannelState,
  CommitSpec,
  NegotiatedFeatures,
  SideParams,
  StepResult,
} from './types.js';

/** What the node decides when it opens a channel (the funder side). */
export interface OutboundChannelParams {
  /** A fresh random id (BOLT 2: unique among this peer's channels). */
  temporaryChannelId: Uint8Array;
  /** The 32-byte seed all of this channel's keys derive from. */
  channelSeed: Uint8Array;
  chainHash: Uint8Array;
  fundingSat: bigint;
  pushMsat?: bigint;
  /** The initial commitment feerate. */
  feeratePerKw: number;
  format: ChannelFormat;
  announce: boolean;
  /** Ask for option_scid_alias in the channel_type (private channels only). */
  scidAliasType?: boolean;
  features: NegotiatedFeatures;
  /** Our alias for this channel, sent in channel_ready. */
  localAlias: bigint;
  /** Where our funds go on a mutual close. */
  closeScript: Uint8Array;
  /** Commit to `closeScript` in the upfront_shutdown_script TLV (else the TLV is empty: opt out). */
  commitUpfront?: boolean;
  policy?: ChannelPolicy;
}

/** What the node decides when it accepts a peer's open_channel (the fundee side). */
export interface InboundChannelParams {
  channelSeed: Uint8Array;
  chainHash: Uint8Array;
  features: NegotiatedFeatures;
  localAlias: bigint;
  closeScript: Uint8Array;
  commitUpfront?: boolean;
  policy?: ChannelPolicy;
}

const NO_CHANGES = () => ({ proposed: [], signed: [], acked: [] });

function localSideParams(
  channelSeed: Uint8Array,
  fundingSat: bigint,
  policy: ChannelPolicy,
  upfrontShutdownScript: Uint8Array,
): SideParams {
  const keys = channelKeys(channelSeed);
  return {
    dustLimitSat: policy.dustLimitSat,
    maxHtlcValueInFlightMsat: maxInFlightFor(fundingSat, policy),
    channelReserveSat: reserveFor(fundingSat, policy),
    htlcMinimumMsat: policy.htlcMinimumMsat,
    toSelfDelay: policy.toSelfDelay,
    maxAcceptedHtlcs: policy.maxAcceptedHtlcs,
    fundingPubkey: keys.fundingPubkey,
    revocationBasepoint: keys.revocationBasepoint,
    paymentBasepoint: keys.paymentBasepoint,
    delayedPaymentBasepoint: keys.delayedPaymentBasepoint,
    htlcBasepoint: keys.htlcBasepoint,
    upfrontShutdownScript,
  };
}

function sideFromMessage(m: OpenChannel | AcceptChannel): SideParams {
  return {
    dustLimitSat: m.dustLimitSatoshis,
    maxHtlcValueInFlightMsat: m.maxHtlcValueInFlightMsat,
    channelReserveSat: m.channelReserveSatoshis,
    htlcMinimumMsat: m.htlcMinimumMsat,
    toSelfDelay: m.toSelfDelay,
    maxAcceptedHtlcs: m.maxAcceptedHtlcs,
    fundingPubkey: m.fundingPubkey,
    revocationBasepoint: m.revocationBasepoint,
    paymentBasepoint: m.paymentBasepoint,
    delayedPaymentBasepoint: m.delayedPaymentBasepoint,
    htlcBasepoint: m.htlcBasepoint,
    upfrontShutdownScript: m.tlvs?.upfrontShutdownScript ?? new Uint8Array(0),
  };
}

/** The first commitment's content: the funder has the funding minus the push. */
function initialSpec(
  isFunder: boolean,
  fundingSat: bigint,
  pushMsat: bigint,
  feeratePerKw: number,
): CommitSpec {
  const funderMsat = fundingSat * 1000n - pushMsat;
  return {
    feeratePerKw,
    toLocalMsat: isFunder ? funderMsat : pushMsat,
    toRemoteMsat: isFunder ? pushMsat : funderMsat,
    htlcs: [],
  };
}

/**
 * The checks open_channel and accept_channel share ("Other fields have the same requirements as
 * their counterparts in `open_channel`"). Returns the reason to fail, if any.
 */
function checkRemoteSide(
  m: OpenChannel | AcceptChannel,
  fundingSat: bigint,
  policy: ChannelPolicy,
  anySegwit: boolean,
): string | undefined {
  // BOLT 2: "`to_self_delay` is unreasonably large."
  if (m.toSelfDelay > policy.maxRemoteToSelfDelay)
    return `to_self_delay ${m.toSelfDelay} is above our limit ${policy.maxRemoteToSelfDelay}`;
  // BOLT 2: "`max_accepted_htlcs` is greater than 483."
  if (m.maxAcceptedHtlcs > MAX_ACCEPTED_HTLCS_LIMIT)
    return `max_accepted_htlcs ${m.maxAcceptedHtlcs} is greater than ${MAX_ACCEPTED_HTLCS_LIMIT}`;
  // BOLT 2: "it considers `max_accepted_htlcs` too small."
  if (m.maxAcceptedHtlcs < policy.minRemoteMaxAcceptedHtlcs)
    return `max_accepted_htlcs ${m.maxAcceptedHtlcs} is below our minimum ${policy.minRemoteMaxAcceptedHtlcs}`;
  // BOLT 2: "`funding_pubkey`, `revocation_basepoint`, `htlc_basepoint`, `payment_basepoint`, or `delayed_payment_basepoint` are not valid secp256k1 pubkeys in compressed format."
  for (const p of [
    m.fundingPubkey,
    m.revocationBasepoint,
    m.htlcBasepoint,
    m.paymentBasepoint,
    m.delayedPaymentBasepoint,
    m.firstPerCommitmentPoint,
  ]) {
    if (p.length !== 33 || !isPublicKey(p)) return 'a basepoint is not a valid compressed secp256k1 pubkey';
  }
  // BOLT 2: "`dust_limit_satoshis` is smaller than `354 satoshis`"
  if (m.dustLimitSatoshis < MIN_DUST_LIMIT_SAT)
    return `dust_limit_satoshis ${m.dustLimitSatoshis} is smaller than ${MIN_DUST_LIMIT_SAT}`;
  // BOLT 2: "it considers `dust_limit_satoshis` too large"
  if (m.dustLimitSatoshis > policy.maxRemoteDustLimitSat)
    return `dust_limit_satoshis ${m.dustLimitSatoshis} is above our limit ${policy.maxRemoteDustLimitSat}`;
  // BOLT 2: "it considers `htlc_minimum_msat` too large."
  if (m.htlcMinimumMsat > policy.maxRemoteHtlcMinimumMsat)
    return `htlc_minimum_msat ${m.htlcMinimumMsat} is above our limit ${policy.maxRemoteHtlcMinimumMsat}`;
  // BOLT 2: "it considers `max_htlc_value_in_flight_msat` too small."
  const minInFlight =
    (fundingSat * 1000n * BigInt(Math.round(policy.minRemoteMaxHtlcValueInFlightPercent * 100))) / 10_000n;
  if (m.maxHtlcValueInFlightMsat < minInFlight)
    return `max_htlc_value_in_flight_msat ${m.maxHtlcValueInFlightMsat} is below our minimum ${minInFlight}`;
  // BOLT 2: "it considers `channel_reserve_satoshis` too large."
  const maxReserve = (fundingSat * BigInt(Math.round(policy.maxRemoteReservePercent * 100))) / 10_000n;
  if (m.channelReserveSatoshis > maxReserve)
    return `channel_reserve_satoshis ${m.channelReserveSatoshis} is above our limit ${maxReserve}`;
  const upfront = m.tlvs?.upfrontShutdownScript;
  if (upfront !== undefined && upfront.length > 0 && !isValidShutdownScript(upfront, anySegwit))
    return 'upfront_shutdown_script is not a valid shutdown scriptpubkey';
  return undefined;
}

function openFailed(state: ChannelState, message: string): Pick<StepResult, 'outbound' | 'failure'> {
  return {
    outbound: [failureMessage(state, 'error', message)],
    failure: { kind: 'error', message, forceClose: false },
  };
}

/** The state every new channel starts from. */
function baseState(
  isFunder: boolean,
  p: {
    chainHash: Uint8Array;
    temporaryChannelId: Uint8Array;
    format: ChannelFormat;
    channelType: Uint8Array;
    announce: boolean;
    fundingSat: bigint;
    pushMsat: bigint;
    features: NegotiatedFeatures;
    channelSeed: Uint8Array;
    local: SideParams;
    localAlias: bigint;
    closeScript: Uint8Array;
    feeratePerKw: number;
    closingFeeratePerKw: number;
  },
): ChannelState {
  return {
    version: 1,
    phase: isFunder ? 'awaitingAcceptChannel' : 'awaitingFundingCreated',
    isFunder,
    chainHash: p.chainHash,
    temporaryChannelId: p.temporaryChannelId,
    format: p.format,
    channelType: p.channelType,
    announce: p.announce,
    fundingSat: p.fundingSat,
    pushMsat: p.pushMsat,
    minimumDepth: 0,
    features: p.features,
    channelSeed: p.channelSeed,
    local: p.local,
    localChanges: NO_CHANGES(),
    remoteChanges: NO_CHANGES(),
    localNextHtlcId: 0n,
    remoteNextHtlcId: 0n,
    remoteSecrets: emptyShachain(),
    localAlias: p.localAlias,
    fundingDepth: 0,
    channelReadySent: false,
    channelReadyReceived: false,
    connection: 'active',
    closeScript: p.closeScript,
    initialFeeratePerKw: p.feeratePerKw,
    closingFeeratePerKw: p.closingFeeratePerKw,
  };
}

function upfrontOf(closeScript: Uint8Array, commitUpfront: boolean | undefined): Uint8Array {
  return commitUpfront === true ? closeScript : new Uint8Array(0);
}

/**
 * Funder: creates the channel and its open_channel. Returns a rejection (and no state worth
 * keeping) if the parameters break a BOLT 2 sender rule.
 */
export function createOutboundChannel(p: OutboundChannelParams): StepResult {
  const policy = p.policy ?? DEFAULT_POLICY;
  const pushMsat = p.pushMsat ?? 0n;
  const local = localSideParams(
    p.channelSeed,
    p.fundingSat,
    policy,
    upfrontOf(p.closeScript, p.commitUpfront),
  );
  const channelType = channelTypeFor(p.format, p.scidAliasType === true && !p.announce);
  const state = baseState(true, {
    ...p,
    pushMsat,
    channelType,
    local,
    closingFeeratePerKw: policy.closingFeeratePerKw,
  });
  // BOLT 2: "otherwise... MUST set `funding_satoshis` to less than 2^24 satoshi."
  if (!p.features.largeChannel && p.fundingSat >= LARGE_CHANNEL_SAT)
    return reject(
      state,
      'invalid',
      'funding_satoshis must be below 2^24 without option_support_large_channel',
    );
  // BOLT 2: "MUST set `push_msat` to equal or less than 1000 * `funding_satoshis`."
  if (pushMsat < 0n || pushMsat > p.fundingSat * 1000n)
    return reject(state, 'invalid', 'push_msat exceeds the funding amount');
  if (p.format === 'anchors' && !p.features.anchors)
    return reject(state, 'invalid', 'option_anchors was not negotiated with this peer');
  const spec = initialSpec(true, p.fundingSat, pushMsat, p.feeratePerKw);
  const cost = commitmentCostMsat(p.format, spec, 'local', local.dustLimitSat);
  if (spec.toLocalMsat < cost + local.channelReserveSat * 1000n)
    return reject(
      state,
      'insufficient_funds',
      'the funding cannot pay the first commitment fee and a reserve',
    );
  if (!isValidShutdownScript(p.closeScript, p.features.shutdownAnySegwit))
    return reject(state, 'invalid', 'closeScript is not a valid shutdown scriptpubkey');
  const open: WireMessage = {
    kind: 'open_channel',
    chainHash: p.chainHash,
    temporaryChannelId: p.temporaryChannelId,
    fundingSatoshis: p.fundingSat,
    pushMsat,
    dustLimitSatoshis: local.dustLimitSat,
    maxHtlcValueInFlightMsat: local.maxHtlcValueInFlightMsat,
    channelReserveSatoshis: local.channelReserveSat,
    htlcMinimumMsat: local.htlcMinimumMsat,
    feeratePerKw: p.feeratePerKw,
    toSelfDelay: local.toSelfDelay,
    maxAcceptedHtlcs: local.maxAcceptedHtlcs,
    fundingPubkey: local.fundingPubkey,
    revocationBasepoint: local.revocationBasepoint,
    paymentBasepoint: local.paymentBasepoint,
    delayedPaymentBasepoint: local.delayedPaymentBasepoint,
    htlcBasepoint: local.htlcBasepoint,
    firstPerCommitmentPoint: localPoint(p.channelSeed, 0),
    // BOLT 2: "MUST set undefined bits in `channel_flags` to 0."
    channelFlags: p.announce ? 1 : 0,
    // BOLT 2: "if it includes `open_channel_tlvs`... MUST include `upfront_shutdown_script`." (we always send channel_type)
    tlvs: { upfrontShutdownScript: local.upfrontShutdownScript, channelType },
  };
  return done(state, [open]);
}

/**
 * Fundee: judges a peer's open_channel against BOLT 2 and our policy. On success, the new channel
 * and our accept_channel; otherwise a failure (error message) and a state in phase `aborted`.
 */
export function createInboundChannel(open: OpenChannel, p: InboundChannelParams): StepResult {
  const policy = p.policy ?? DEFAULT_POLICY;
  const local = localSideParams(
    p.channelSeed,
    open.fundingSatoshis,
    policy,
    upfrontOf(p.closeScript, p.commitUpfront),
  );
  const verdict = judgeChannelType(open, policy.acceptAnchors && p.features.anchors);
  const state = baseState(false, {
    ...p,
    temporaryChannelId: open.temporaryChannelId,
    format: verdict.ok ? verdict.format : 'static_remotekey',
    channelType: verdict.ok ? verdict.bytes : new Uint8Array(0),
    announce: (open.channelFlags & 1) === 1,
    fundingSat: open.fundingSatoshis,
    pushMsat: open.pushMsat,
    local,
    feeratePerKw: open.feeratePerKw,
    closingFeeratePerKw: policy.closingFeeratePerKw,
  });
  const fail = (message: string): StepResult => ({
    state: { ...state, phase: 'aborted', failureMessage: message },
    events: [{ kind: 'closed', how: 'aborted' }],
    actions: [],
    ...openFailed(state, message),
  });
  if (!verdict.ok) return fail(verdict.reason);
  // BOLT 2: "the `chain_hash` value is set to a hash of a chain that is unknown to the receiver."
  if (!equalBytes(open.chainHash, p.chainHash)) return fail('open_channel is for a chain we do not know');
  // BOLT 2: "`push_msat` is greater than `funding_satoshis` * 1000."
  if (open.pushMsat > open.fundingSatoshis * 1000n)
    return fail('push_msat is greater than funding_satoshis * 1000');
  // BOLT 2: "`funding_satoshis` is greater than or equal to 2^24 and the receiver does not support `option_support_large_channel`."
  if (open.fundingSatoshis >= LARGE_CHANNEL_SAT && !p.features.largeChannel)
    return fail('funding_satoshis is 2^24 or more without option_support_large_channel');
  // BOLT 2: "`funding_satoshis` is too small."
  if (open.fundingSatoshis < policy.minFundingSat)
    return fail(`funding_satoshis ${open.fundingSatoshis} is below our minimum ${policy.minFundingSat}`);
  // BOLT 2: "it considers `feerate_per_kw` too small for timely processing or unreasonably large."
  if (open.feeratePerKw < policy.minFeeratePerKw || open.feeratePerKw > policy.maxFeeratePerKw)
    return fail(
      `feerate_per_kw ${open.feeratePerKw} is outside [${policy.minFeeratePerKw}, ${policy.maxFeeratePerKw}]`,
    );
  const bad = checkRemoteSide(open, open.fundingSatoshis, policy, p.features.shutdownAnySegwit);
  if (bad !== undefined) return fail(bad);
  // BOLT 2: "`dust_limit_satoshis` is greater than `channel_reserve_satoshis`."
  if (open.dustLimitSatoshis > open.channelReserveSatoshis)
    return fail('dust_limit_satoshis is greater than channel_reserve_satoshis');
  // BOLT 2: "MUST set `dust_limit_satoshis` less than or equal to `channel_reserve_satoshis` from the `open_channel` message."
  if (local.dustLimitSat > open.channelReserveSatoshis)
    return fail(
      `channel_reserve_satoshis ${open.channelReserveSatoshis} is below our dust limit ${local.dustLimitSat}`,
    );
  // BOLT 2: "MUST set `channel_reserve_satoshis` greater than or equal to `dust_limit_satoshis` from the `open_channel` message."
  if (local.channelReserveSat < open.dustLimitSatoshis) local.channelReserveSat = open.dustLimitSatoshis;
  const spec = initialSpec(false, open.fundingSatoshis, open.pushMsat, open.feeratePerKw);
  const cost = commitmentCostMsat(verdict.format, spec, 'local', local.dustLimitSat);
  // BOLT 2: "the funder's amount for the initial commitment transaction is not sufficient for full [fee payment](03-transactions.md#fee-payment)."
  if (spec.toRemoteMsat < cost) return fail('the funder cannot pay the first commitment fee');
  // BOLT 2: "both `to_local` and `to_remote` amounts for the initial commitment transaction are less than or equal to `channel_reserve_satoshis`"
  const reserveMsat = open.channelReserveSatoshis * 1000n;
  if (spec.toRemoteMsat - cost <= reserveMsat && spec.toLocalMsat <= reserveMsat)
    return fail('both initial balances are at or below channel_reserve_satoshis');
  const next: ChannelState = {
    ...state,
    remote: sideFromMessage(open),
    remoteFirstPerCommitmentPoint: open.firstPerCommitmentPoint,
    minimumDepth: policy.minimumDepth,
  };
  const accept: WireMessage = {
    kind: 'accept_channel',
    temporaryChannelId: open.temporaryChannelId,
    dustLimitSatoshis: local.dustLimitSat,
    maxHtlcValueInFlightMsat: local.maxHtlcValueInFlightMsat,
    channelReserveSatoshis: local.channelReserveSat,
    htlcMinimumMsat: local.htlcMinimumMsat,
    minimumDepth: policy.minimumDepth,
    toSelfDelay: local.toSelfDelay,
    maxAcceptedHtlcs: local.maxAcceptedHtlcs,
    fundingPubkey: local.fundingPubkey,
    revocationBasepoint: local.revocationBasepoint,
    paymentBasepoint: local.paymentBasepoint,
    delayedPaymentBasepoint: local.delayedPaymentBasepoint,
    htlcBasepoint: local.htlcBasepoint,
    firstPerCommitmentPoint: localPoint(p.channelSeed, 0),
    // BOLT 2: "MUST set `channel_type` to the `channel_type` from `open_channel`."
    tlvs: { upfrontShutdownScript: local.upfrontShutdownScript, channelType: verdict.bytes },
  };
  return done(next, [accept]);
}

/** Funder: the peer's accept_channel. On success we ask the wallet for the funding transaction. */
export function receiveAcceptChannel(
  state: ChannelState,
  m: AcceptChannel,
  policy: ChannelPolicy,
): StepResult {
  const fail = (message: string): StepResult => ({
    state: { ...state, phase: 'aborted', failureMessage: message },
    events: [{ kind: 'closed', how: 'aborted' }],
    actions: [],
    ...openFailed(state, message),
  });
  // BOLT 2: "if `minimum_depth` is unreasonably large... MAY fail the channel."
  if (m.minimumDepth > policy.maxMinimumDepth)
    return fail(`minimum_depth ${m.minimumDepth} is above our limit ${policy.maxMinimumDepth}`);
  // BOLT 2: "if the message doesn't include a `channel_type`... MUST fail the channel."
  const type = m.tlvs?.channelType;
  if (type === undefined) return fail('accept_channel has no channel_type');
  // BOLT 2: "if `channel_type` does not match the `channel_type` from `open_channel`... MUST fail the channel."
  if (!equalBytes(type, state.channelType)) return fail('accept_channel channel_type differs from ours');
  const bad = checkRemoteSide(m, state.fundingSat, policy, state.features.shutdownAnySegwit);
  if (bad !== undefined) return fail(bad);
  // BOLT 2: "if `channel_reserve_satoshis` is less than `dust_limit_satoshis` within the `open_channel` message... MUST fail the channel."
  if (m.channelReserveSatoshis < state.local.dustLimitSat)
    return fail('channel_reserve_satoshis is less than our dust_limit_satoshis');
  // BOLT 2: "if `channel_reserve_satoshis` from the `open_channel` message is less than `dust_limit_satoshis`... MUST fail the channel."
  if (state.local.channelReserveSat < m.dustLimitSatoshis)
    return fail('our channel_reserve_satoshis is less than their dust_limit_satoshis');
  const remote = sideFromMessage(m);
  const next: ChannelState = {
    ...state,
    phase: 'awaitingFundingTx',
    remote,
    remoteFirstPerCommitmentPoint: m.firstPerCommitmentPoint,
    minimumDepth: m.minimumDepth,
  };
  return done(
    next,
    [],
    [],
    [
      {
        kind: 'requestFundingTx',
        temporaryChannelId: state.temporaryChannelId,
        script: fundingOutputScript(next),
        amountSat: state.fundingSat,
      },
    ],
  );
}

/** BOLT 2: channel_id = funding_txid XOR funding_output_index (big-endian, in the last 2 bytes). */
export function channelIdFrom(fundingTxid: Uint8Array, outputIndex: number): Uint8Array {
  const id = Uint8Array.from(fundingTxid);
  id[30] = id[30]! ^ ((outputIndex >> 8) & 0xff);
  id[31] = id[31]! ^ (outputIndex & 0xff);
  return id;
}

/** Funder: the wallet built the funding transaction; we sign the fundee's first commitment. */
export function fundingTxReady(
  state: ChannelState,
  fundingTxid: Uint8Array,
  outputIndex: number,
): StepResult {
  if (fundingTxid.length !== 32 || !Number.isInteger(outputIndex) || outputIndex < 0 || outputIndex > 0xffff)
    return reject(state, 'invalid', 'funding txid must be 32 bytes and the output index a u16');
  const channelId = channelIdFrom(fundingTxid, outputIndex);
  const withOutpoint: ChannelState = {
    ...state,
    fundingOutpoint: { txid: fundingTxid, index: outputIndex },
    channelId,
  };
  const spec = initialSpec(true, state.fundingSat, state.pushMsat, state.initialFeeratePerKw);
  const point = state.remoteFirstPerCommitmentPoint!;
  const sigs = signRemoteCommitment(withOutpoint, spec, 0, point);
  const next: ChannelState = {
    ...withOutpoint,
    phase: 'awaitingFundingSigned',
    remoteCommit: { index: 0, spec, txid: sigs.txid, perCommitmentPoint: point },
  };
  const created: FundingCreated = {
    kind: 'funding_created',
    temporaryChannelId: state.temporaryChannelId,
    fundingTxid,
    fundingOutputIndex: outputIndex,
    signature: sigs.signature,
  };
  return done(
    next,
    [created],
    [{ kind: 'channelIdAssigned', temporaryChannelId: state.temporaryChannelId, channelId }],
  );
}

/** Fundee: the funder's funding_created. We check its signature and sign the funder's commitment. */
export function receiveFundingCreated(state: ChannelState, m: FundingCreated): StepResult {
  const channelId = channelIdFrom(m.fundingTxid, m.fundingOutputIndex);
  const withOutpoint: ChannelState = {
    ...state,
    fundingOutpoint: { txid: m.fundingTxid, index: m.fundingOutputIndex },
    channelId,
  };
  const spec = initialSpec(false, state.fundingSat, state.pushMsat, state.initialFeeratePerKw);
  const check = verifyLocalCommitment(withOutpoint, spec, 0, m.signature, []);
  if (!check.ok) {
    // BOLT 2: "if `signature` is incorrect OR non-compliant with LOW-S-standard rule" ... "send an `error` and fail the channel."
    const message = 'funding_created signature is invalid';
    return {
      state: { ...state, phase: 'aborted', failureMessage: message },
      outbound: [failureMessage(state, 'error', message)],
      events: [{ kind: 'closed', how: 'aborted' }],
      actions: [],
      failure: { kind: 'error', message, forceClose: false },
    };
  }
  const point = state.remoteFirstPerCommitmentPoint!;
  const sigs = signRemoteCommitment(withOutpoint, spec, 0, point);
  const next: ChannelState = {
    ...withOutpoint,
    phase: 'awaitingChannelReady',
    localCommit: { index: 0, spec, remoteSig: m.signature, htlcSigs: [] },
    remoteCommit: { index: 0, spec, txid: sigs.txid, perCommitmentPoint: point },
  };
  const signed: FundingSigned = { kind: 'funding_signed', channelId, signature: sigs.signature };
  return done(
    next,
    [signed],
    [{ kind: 'channelIdAssigned', temporaryChannelId: state.temporaryChannelId, channelId }],
    [
      {
        kind: 'watchFunding',
        outpoint: next.fundingOutpoint!,
        script: fundingOutputScript(next),
        minimumDepth: next.minimumDepth,
      },
    ],
  );
}

/** Funder: the fundee's funding_signed. Valid: we may (and should) broadcast the funding tx. */
export function receiveFundingSigned(state: ChannelState, m: FundingSigned): StepResult {
  const spec = initialSpec(true, state.fundingSat, state.pushMsat, state.initialFeeratePerKw);
  const check = verifyLocalCommitment(state, spec, 0, m.signature, []);
  if (!check.ok) {
    // BOLT 2: "MUST NOT broadcast the funding transaction before receipt of a valid `funding_signed`."
    const message = 'funding_signed signature is invalid';
    return {
      state: { ...state, phase: 'aborted', failureMessage: message },
      outbound: [failureMessage(state, 'error', message)],
      events: [{ kind: 'closed', how: 'aborted' }],
      actions: [{ kind: 'abandonFunding', txid: state.fundingOutpoint!.txid }],
      failure: { kind: 'error', message, forceClose: false },
    };
  }
  const next: ChannelState = {
    ...state,
    phase: 'awaitingChannelReady',
    localCommit: { index: 0, spec, remoteSig: m.signature, htlcSigs: [] },
  };
  const outpoint = state.fundingOutpoint!;
  return done(
    next,
    [],
    [],
    [
      // BOLT 2: "on receipt of a valid `funding_signed`... SHOULD broadcast the funding transaction."
      { kind: 'broadcastFunding', txid: outpoint.txid },
      { kind: 'watchFunding', outpoint, script: fundingOutputScript(next), minimumDepth: next.minimumDepth },
    ],
  );
}
