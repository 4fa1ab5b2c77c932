// src/channel/updates.ts: adding and removing HTLCs and updating the fee (BOLT 2 "Normal
// Operation"): our commands, with the sender's rules, and the peer's messages, with every check
// BOLT 2 asks of the receiver.
import { equalBytes, sha256 } from '../crypto/index.js';
import type {
  UpdateAddHtlc,
  UpdateFailHtlc,
  UpdateFailMalformedHtlc,
  UpdateFee,
  UpdateFulfillHtlc,
} from '../wire/index.js';
import { remoteParams } from './commitments.js';
import { failChannel } from './force-close.js';
import {
  acceptableRemoteFeerate,
  type ChannelPolicy,
  CLTV_EXPIRY_LIMIT,
  dustExposureLimitMsat,
} from './policy.js';
import { done, reject } from './result.js';
import {
  commitmentCostMsat,
  dustExposureMsat,
  maxBig,
  offeredCount,
  offeredMsat,
  reduceSpec,
  untrimmedHtlcs,
} from './spec.js';
import type {
  ChannelCommand,
  ChannelState,
  CommitSpec,
  HtlcEntry,
  StepResult,
  UpdateMessage,
} from './types.js';

/** BOLT 4: the BADONION bit of a failure code. */
export const BADONION = 0x8000;

/** The `attribution_data` TLV of update_fulfill_htlc / update_fail_htlc as the wire codec reads it. */
type WireAttribution = NonNullable<NonNullable<UpdateFailHtlc['tlvs']>['attributionData']>;

const HOLD_TIMES = 20;
const TRUNCATED_HMACS = 210;
const TRUNCATED_HMAC_SIZE = 4;
/**
 * BOLT 2: `attribution_data` is [`20*u32`:`htlc_hold_times`] then [`210*sha256[..4]`:`truncated_hmacs`]:
 * 920 bytes, the form the onion module computes and the switch stores.
 */
export const ATTRIBUTION_DATA_LENGTH = HOLD_TIMES * 4 + TRUNCATED_HMACS * TRUNCATED_HMAC_SIZE;

/** Attribution data as the bytes the onion module works on; the inverse of `attributionToWire`. */
export function attributionFromWire(a: WireAttribution): Uint8Array {
  const out = new Uint8Array(ATTRIBUTION_DATA_LENGTH);
  const view = new DataView(out.buffer);
  for (const [i, t] of a.htlcHoldTimes.entries()) view.setUint32(i * 4, t);
  for (const [i, h] of a.truncatedHmacs.entries()) out.set(h, HOLD_TIMES * 4 + i * TRUNCATED_HMAC_SIZE);
  return out;
}

/** 920 bytes of attribution data as the TLV's fields. Throws RangeError on another length. */
export function attributionToWire(data: Uint8Array): WireAttribution {
  if (data.length !== ATTRIBUTION_DATA_LENGTH)
    throw new RangeError(`attribution_data must be ${ATTRIBUTION_DATA_LENGTH} bytes, got ${data.length}`);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const htlcHoldTimes = Array.from({ length: HOLD_TIMES }, (_, i) => view.getUint32(i * 4));
  const truncatedHmacs = Array.from({ length: TRUNCATED_HMACS }, (_, i) => {
    const at = HOLD_TIMES * 4 + i * TRUNCATED_HMAC_SIZE;
    return data.slice(at, at + TRUNCATED_HMAC_SIZE);
  });
  return { htlcHoldTimes, truncatedHmacs };
}

/** The attribution data a received update_fulfill_htlc / update_fail_htlc carries, as bytes. */
export function attributionOf(m: UpdateFulfillHtlc | UpdateFailHtlc): { attributionData?: Uint8Array } {
  const a = m.tlvs?.attributionData;
  return a === undefined ? {} : { attributionData: attributionFromWire(a) };
}

/** The TLVs that carry our attribution data, if any. */
function attributionTlvs(data: Uint8Array | undefined): { tlvs?: { attributionData: WireAttribution } } {
  return data === undefined ? {} : { tlvs: { attributionData: attributionToWire(data) } };
}

/** Whether the channel takes new HTLCs in either direction (not after any shutdown). */
function acceptsNewHtlcs(state: ChannelState): boolean {
  return (
    state.phase === 'normal' &&
    state.localShutdown === undefined &&
    state.remoteShutdown === undefined &&
    state.shutdownQueued === undefined
  );
}

/** Whether HTLCs may still be removed (fulfilled, failed) through the channel. */
function acceptsRemovals(state: ChannelState): boolean {
  return state.phase === 'normal' || state.phase === 'shutdown';
}

/** The peer's next commitment once our proposed updates (and `extra`) are signed. */
export function remoteView(state: ChannelState, extra: readonly UpdateMessage[] = []): CommitSpec {
  const base = state.remoteNextCommit?.commit.spec ?? state.remoteCommit!.spec;
  return reduceSpec(base, [...state.localChanges.proposed, ...extra], state.remoteChanges.acked);
}

/** Our commitment once every update either side has sent (and `extra`) is in it. */
export function localProjection(state: ChannelState, extra: readonly UpdateMessage[] = []): CommitSpec {
  const c = state.localChanges;
  return reduceSpec(
    state.localCommit!.spec,
    [...c.acked, ...c.signed, ...c.proposed, ...extra],
    state.remoteChanges.proposed,
  );
}

/** The peer's HTLC `id` if it is in both current commitments (irrevocably committed). */
function crossSignedIncoming(state: ChannelState, id: bigint): HtlcEntry | undefined {
  const match = (h: HtlcEntry) => h.origin === 'remote' && h.id === id;
  const local = state.localCommit?.spec.htlcs.find(match);
  const remote = state.remoteCommit?.spec.htlcs.find(match);
  return local !== undefined && remote !== undefined ? local : undefined;
}

function removes(updates: readonly UpdateMessage[], id: bigint): boolean {
  return updates.some(
    (u) =>
      (u.kind === 'update_fulfill_htlc' ||
        u.kind === 'update_fail_htlc' ||
        u.kind === 'update_fail_malformed_htlc') &&
      u.id === id,
  );
}

/** Queues one of our updates; it is sent now if the connection is up, else at reestablishment. */
function propose(state: ChannelState, u: UpdateMessage, extra: Partial<ChannelState> = {}): ChannelState {
  const proposed =
    u.kind === 'update_fee'
      ? // update_fee replaces any earlier unsigned one.
        [...state.localChanges.proposed.filter((x) => x.kind !== 'update_fee'), u]
      : [...state.localChanges.proposed, u];
  return { ...state, ...extra, localChanges: { ...state.localChanges, proposed } };
}

function sendNow(state: ChannelState, u: UpdateMessage): UpdateMessage[] {
  return state.connection === 'active' ? [u] : [];
}

/** Why we may not offer an HTLC of this amount right now, if we may not. */
function checkOffer(
  state: ChannelState,
  add: UpdateAddHtlc,
  policy: ChannelPolicy,
):
  | { code: 'insufficient_funds' | 'too_many_htlcs' | 'in_flight_limit' | 'dust_exposure'; message: string }
  | undefined {
  const remote = remoteParams(state);
  const local = state.local;
  // The HTLC must come out of what we have in both commitments-to-be.
  if (add.amountMsat > remoteView(state).toLocalMsat || add.amountMsat > localProjection(state).toLocalMsat)
    return { code: 'insufficient_funds', message: 'the amount exceeds our balance' };
  const views = [
    { owner: 'remote' as const, spec: remoteView(state, [add]), dust: remote.dustLimitSat },
    { owner: 'local' as const, spec: localProjection(state, [add]), dust: local.dustLimitSat },
  ];
  const theirs = views[0]!.spec;
  // BOLT 2: "if result would be offering more than the remote's `max_accepted_htlcs` HTLCs, in the remote commitment transaction: ... MUST NOT add an HTLC."
  if (offeredCount(theirs, 'local') > remote.maxAcceptedHtlcs)
    return { code: 'too_many_htlcs', message: `the peer accepts at most ${remote.maxAcceptedHtlcs} HTLCs` };
  // BOLT 2: "if the total value of offered HTLCs would exceed the remote's `max_htlc_value_in_flight_msat`: ... MUST NOT add an HTLC."
  if (offeredMsat(theirs, 'local') > remote.maxHtlcValueInFlightMsat)
    return {
      code: 'in_flight_limit',
      message: `the peer accepts at most ${remote.maxHtlcValueInFlightMsat} msat in flight`,
    };
  const ourReserveMsat = remote.channelReserveSat * 1000n;
  for (const v of views) {
    const cost = commitmentCostMsat(state.format, v.spec, v.owner, v.dust);
    if (state.isFunder) {
      // BOLT 2: "MUST NOT offer `amount_msat` if, after adding that HTLC to its commitment transaction, it cannot pay the fee for either the local or remote commitment transaction at the current `feerate_per_kw` while maintaining its channel reserve"
      if (v.spec.toLocalMsat - cost < ourReserveMsat)
        return {
          code: 'insufficient_funds',
          message: 'we cannot pay the commitment fee and keep our reserve',
        };
      // BOLT 2: "can handle twice the current `feerate_per_kw` to ensure predictability" (the fee spike buffer; LDK requires it of a funder)
      const spike = commitmentCostMsat(state.format, v.spec, v.owner, v.dust, v.spec.feeratePerKw * 2, 1);
      if (v.spec.toLocalMsat - maxBig(spike, cost) < ourReserveMsat)
        return { code: 'insufficient_funds', message: 'the HTLC would eat into our fee spike buffer' };
    } else {
      if (v.spec.toLocalMsat < ourReserveMsat)
        return { code: 'insufficient_funds', message: 'the HTLC would take us below our channel reserve' };
      // BOLT 2: "SHOULD NOT offer `amount_msat` if, once the remote node adds that HTLC to its commitment transaction, it cannot pay the fee for the updated local or remote transaction"
      if (v.spec.toRemoteMsat < cost)
        return { code: 'insufficient_funds', message: 'the funder could not pay the fee for one more HTLC' };
    }
    // BOLT 2: "if the HTLC's `amount_msat` is smaller than the remote `dust_limit_satoshis` plus the HTLC-success fee at `feerate_per_kw`:" ... "SHOULD NOT send this HTLC"
    const isDustHere = !untrimmedHtlcs(state.format, v.spec, v.owner, v.dust).some(
      (h) => h.origin === 'local' && h.id === add.id,
    );
    if (
      isDustHere &&
      dustExposureMsat(state.format, v.spec, v.owner, v.dust) >
        dustExposureLimitMsat(policy, v.spec.feeratePerKw)
    )
      return { code: 'dust_exposure', message: 'the HTLC would exceed our dust exposure limit' };
  }
  return undefined;
}

/** Command: offer an HTLC. */
export function addHtlc(
  state: ChannelState,
  cmd: Extract<ChannelCommand, { kind: 'addHtlc' }>,
  policy: ChannelPolicy,
): StepResult {
  if (state.phase !== 'normal' && state.phase !== 'shutdown')
    return reject(state, 'not_ready', 'the channel is not open');
  // BOLT 2: "MUST NOT send an `update_add_htlc` after a `shutdown`."
  if (!acceptsNewHtlcs(state)) return reject(state, 'closing', 'the channel is closing');
  if (state.connection !== 'active') return reject(state, 'disconnected', 'the peer is not connected');
  const remote = remoteParams(state);
  // BOLT 2: "MUST offer `amount_msat` greater than 0."
  // BOLT 2: "MUST NOT offer `amount_msat` below the receiving node's `htlc_minimum_msat`"
  if (cmd.amountMsat <= 0n || cmd.amountMsat < remote.htlcMinimumMsat)
    return reject(state, 'below_minimum', `amount must be at least ${remote.htlcMinimumMsat} msat`);
  // BOLT 2: "MUST set `cltv_expiry` less than 500000000."
  if (!Number.isInteger(cmd.cltvExpiry) || cmd.cltvExpiry < 0 || cmd.cltvExpiry >= CLTV_EXPIRY_LIMIT)
    return reject(state, 'invalid', 'cltv_expiry must be a block height below 500000000');
  if (cmd.paymentHash.length !== 32 || cmd.onionRoutingPacket.length !== 1366)
    return reject(state, 'invalid', 'payment_hash must be 32 bytes and the onion 1366 bytes');
  const add: UpdateAddHtlc = {
    kind: 'update_add_htlc',
    channelId: state.channelId!,
    // BOLT 2: "MUST increase the value of `id` by 1 for each successive offer."
    id: state.localNextHtlcId,
    amountMsat: cmd.amountMsat,
    paymentHash: cmd.paymentHash,
    cltvExpiry: cmd.cltvExpiry,
    onionRoutingPacket: cmd.onionRoutingPacket,
    ...(cmd.pathKey !== undefined ? { tlvs: { blindedPath: cmd.pathKey } } : {}),
  };
  const problem = checkOffer(state, add, policy);
  if (problem !== undefined) return reject(state, problem.code, problem.message);
  const next = propose(state, add, { localNextHtlcId: state.localNextHtlcId + 1n });
  return done(next, sendNow(next, add), [
    { kind: 'htlcOffered', htlcId: add.id, amountMsat: add.amountMsat, paymentHash: add.paymentHash },
  ]);
}

/** Command: settle, fail or fail-as-malformed an incoming HTLC. */
export function removeHtlc(
  state: ChannelState,
  cmd: Extract<ChannelCommand, { kind: 'fulfillHtlc' | 'failHtlc' | 'failMalformedHtlc' }>,
): StepResult {
  if (!acceptsRemovals(state)) return reject(state, 'not_ready', 'the channel does not carry HTLCs now');
  // BOLT 2: "until the corresponding HTLC is irrevocably committed in both sides' commitment transactions: ... MUST NOT send an `update_fulfill_htlc`, `update_fail_htlc`, or `update_fail_malformed_htlc`."
  const htlc = crossSignedIncoming(state, cmd.htlcId);
  if (htlc === undefined)
    return reject(state, 'unknown_htlc', `no irrevocably committed incoming HTLC ${cmd.htlcId}`);
  const c = state.localChanges;
  if (removes([...c.proposed, ...c.signed, ...c.acked], cmd.htlcId))
    return reject(state, 'unknown_htlc', `incoming HTLC ${cmd.htlcId} is already being removed`);
  const channelId = state.channelId!;
  let u: UpdateFulfillHtlc | UpdateFailHtlc | UpdateFailMalformedHtlc;
  if (cmd.kind !== 'failMalformedHtlc' && cmd.attributionData !== undefined) {
    if (cmd.attributionData.length !== ATTRIBUTION_DATA_LENGTH)
      return reject(state, 'invalid', `attribution data must be ${ATTRIBUTION_DATA_LENGTH} bytes`);
  }
  if (cmd.kind === 'fulfillHtlc') {
    if (cmd.paymentPreimage.length !== 32 || !equalBytes(sha256(cmd.paymentPreimage), htlc.paymentHash))
      return reject(state, 'invalid', 'the preimage does not hash to the payment_hash');
    // BOLT 2: "MUST initialize `attribution_data` and include it in `update_fail_htlc` and
    // `update_fulfill_htlc`." (the switch computes it; the machine carries it.)
    u = {
      kind: 'update_fulfill_htlc',
      channelId,
      id: cmd.htlcId,
      paymentPreimage: cmd.paymentPreimage,
      ...attributionTlvs(cmd.attributionData),
    };
  } else if (cmd.kind === 'failHtlc') {
    u = {
      kind: 'update_fail_htlc',
      channelId,
      id: cmd.htlcId,
      reason: cmd.reason,
      ...attributionTlvs(cmd.attributionData),
    };
  } else {
    if ((cmd.failureCode & BADONION) === 0 || cmd.sha256OfOnion.length !== 32)
      return reject(state, 'invalid', 'update_fail_malformed_htlc needs the BADONION bit and a 32-byte hash');
    u = {
      kind: 'update_fail_malformed_htlc',
      channelId,
      id: cmd.htlcId,
      sha256OfOnion: cmd.sha256OfOnion,
      failureCode: cmd.failureCode,
    };
  }
  const next = propose(state, u);
  return done(next, sendNow(next, u));
}

/**
 * The first dust balance (local or remote commitment) above our limit once `u` is applied, if any:
 * the value of the HTLCs that commitment would trim at the updated feerate.
 */
function dustOverflowAt(
  state: ChannelState,
  specs: readonly { owner: 'local' | 'remote'; spec: CommitSpec; dust: bigint }[],
  policy: ChannelPolicy,
): { owner: 'local' | 'remote'; balanceMsat: bigint; limitMsat: bigint } | undefined {
  for (const { owner, spec, dust } of specs) {
    const balanceMsat = dustExposureMsat(state.format, spec, owner, dust);
    const limitMsat = dustExposureLimitMsat(policy, spec.feeratePerKw);
    if (balanceMsat > limitMsat) return { owner, balanceMsat, limitMsat };
  }
  return undefined;
}

/**
 * Why we (the funder) may not send `update_fee` at `feeratePerKw` now, if we may not: we could not
 * pay it and keep the reserve, or (without anchors) raising it would trim HTLCs past our dust limit.
 */
export function feeUpdateProblem(
  state: ChannelState,
  feeratePerKw: number,
  policy: ChannelPolicy,
): { code: 'insufficient_funds' | 'dust_exposure'; message: string } | undefined {
  const u: UpdateFee = { kind: 'update_fee', channelId: state.channelId!, feeratePerKw };
  const remote = remoteParams(state);
  const specs = [
    { owner: 'remote' as const, spec: remoteView(state, [u]), dust: remote.dustLimitSat },
    { owner: 'local' as const, spec: localProjection(state, [u]), dust: state.local.dustLimitSat },
  ];
  for (const { owner, spec, dust } of specs) {
    if (
      spec.toLocalMsat - commitmentCostMsat(state.format, spec, owner, dust) <
      remote.channelReserveSat * 1000n
    )
      return { code: 'insufficient_funds', message: 'we cannot afford this feerate and keep our reserve' };
  }
  // BOLT 2: "if `option_anchors` was not negotiated:" ... "if the `update_fee` increases `feerate_per_kw`:"
  // ... "if the dust balance of the remote transaction at the updated `feerate_per_kw` is greater than `max_dust_htlc_exposure_msat`:" ... "MAY NOT send `update_fee`"
  // (and the same for the local transaction).
  if (state.format !== 'anchors' && feeratePerKw > remoteView(state).feeratePerKw) {
    const over = dustOverflowAt(state, specs, policy);
    if (over !== undefined)
      return {
        code: 'dust_exposure',
        message: `at ${feeratePerKw} sat/kw the ${over.owner} commitment would trim ${over.balanceMsat} msat of HTLCs, above our dust limit ${over.limitMsat} msat`,
      };
  }
  return undefined;
}

/** Command: change the commitment feerate (funder only). */
export function updateFee(state: ChannelState, feeratePerKw: number, policy: ChannelPolicy): StepResult {
  // BOLT 2: "The node _not responsible_ for paying the Bitcoin fee: ... MUST NOT send `update_fee`."
  if (!state.isFunder) return reject(state, 'not_funder', 'only the funder sends update_fee');
  if (!acceptsRemovals(state)) return reject(state, 'not_ready', 'the channel is not open');
  if (
    !Number.isInteger(feeratePerKw) ||
    feeratePerKw < policy.minFeeratePerKw ||
    feeratePerKw > policy.maxFeeratePerKw
  )
    return reject(
      state,
      'invalid',
      `feerate must be in [${policy.minFeeratePerKw}, ${policy.maxFeeratePerKw}]`,
    );
  const problem = feeUpdateProblem(state, feeratePerKw, policy);
  if (problem !== undefined) return reject(state, problem.code, problem.message);
  const u: UpdateFee = { kind: 'update_fee', channelId: state.channelId!, feeratePerKw };
  const next = propose(state, u);
  return done(next, sendNow(next, u));
}

// ---------- the peer's updates ----------

/** BOLT 2 receiver checks on update_add_htlc. */
export function receiveAdd(state: ChannelState, m: UpdateAddHtlc): StepResult {
  // BOLT 2: "MUST NOT send an `update_add_htlc` after a `shutdown`."
  if (state.remoteShutdown !== undefined) return failChannel(state, 'update_add_htlc after shutdown');
  // After our own shutdown the peer may still add until it sees it (the messages cross).
  if (state.phase !== 'normal' && state.phase !== 'shutdown')
    return failChannel(state, `update_add_htlc in phase ${state.phase}`);
  // BOLT 2: "if other `id` violations occur: ... MAY send a `warning` and close the connection, or send an `error` and fail the channel."
  if (m.id !== state.remoteNextHtlcId)
    return failChannel(state, `update_add_htlc id ${m.id}, expected ${state.remoteNextHtlcId}`);
  const local = state.local;
  // BOLT 2: "receiving an `amount_msat` equal to 0, OR less than its own `htlc_minimum_msat`:" ... "send an `error` and fail the channel."
  if (m.amountMsat === 0n || m.amountMsat < local.htlcMinimumMsat)
    return failChannel(state, `update_add_htlc amount ${m.amountMsat} is below our htlc_minimum_msat`);
  // BOLT 2: "if sending node sets `cltv_expiry` to greater or equal to 500000000:" ... "send an `error` and fail the channel."
  if (m.cltvExpiry >= CLTV_EXPIRY_LIMIT)
    return failChannel(state, 'update_add_htlc cltv_expiry is not a block height');
  const base = reduceSpec(state.localCommit!.spec, state.localChanges.acked, state.remoteChanges.proposed);
  if (m.amountMsat > base.toRemoteMsat)
    return failChannel(state, 'update_add_htlc the sender cannot afford: the amount exceeds its balance');
  const spec = reduceSpec(base, [], [m]);
  // BOLT 2: "if a sending node adds more than receiver `max_accepted_htlcs` HTLCs to its local commitment transaction, OR adds more than receiver `max_htlc_value_in_flight_msat` worth of offered HTLCs to its local commitment transaction:"
  if (offeredCount(spec, 'remote') > local.maxAcceptedHtlcs)
    return failChannel(state, `more than our max_accepted_htlcs ${local.maxAcceptedHtlcs}`);
  if (offeredMsat(spec, 'remote') > local.maxHtlcValueInFlightMsat)
    return failChannel(
      state,
      `more than our max_htlc_value_in_flight_msat ${local.maxHtlcValueInFlightMsat}`,
    );
  // BOLT 2: "receiving an `amount_msat` that the sending node cannot afford at the current `feerate_per_kw` (while maintaining its channel reserve and any `to_local_anchor` and `to_remote_anchor` costs):"
  const cost = commitmentCostMsat(state.format, spec, 'local', local.dustLimitSat);
  const senderMsat = spec.toRemoteMsat - (state.isFunder ? 0n : cost);
  if (senderMsat < local.channelReserveSat * 1000n)
    return failChannel(state, 'update_add_htlc the sender cannot afford with its reserve and fees');
  return done({
    ...state,
    remoteNextHtlcId: state.remoteNextHtlcId + 1n,
    remoteChanges: { ...state.remoteChanges, proposed: [...state.remoteChanges.proposed, m] },
  });
}

/** BOLT 2 receiver checks on the removal of one of our HTLCs. */
export function receiveRemove(
  state: ChannelState,
  m: UpdateFulfillHtlc | UpdateFailHtlc | UpdateFailMalformedHtlc,
): StepResult {
  if (!acceptsRemovals(state)) return failChannel(state, `${m.kind} in phase ${state.phase}`);
  const htlc = state.localCommit!.spec.htlcs.find((h) => h.origin === 'local' && h.id === m.id);
  const rc = state.remoteChanges;
  // BOLT 2: "if the `id` does not correspond to an HTLC in its current commitment transaction:" ... "send an `error` and fail the channel."
  if (htlc === undefined || removes([...rc.proposed, ...rc.acked, ...rc.signed], m.id))
    return failChannel(state, `${m.kind} for unknown HTLC ${m.id}`);
  const events: StepResult['events'] = [];
  if (m.kind === 'update_fulfill_htlc') {
    // BOLT 2: "if the `payment_preimage` value in `update_fulfill_htlc` doesn't SHA256 hash to the corresponding HTLC `payment_hash`:"
    if (!equalBytes(sha256(m.paymentPreimage), htlc.paymentHash))
      return failChannel(state, `update_fulfill_htlc preimage does not match HTLC ${m.id}`);
    events.push({
      kind: 'htlcFulfilled',
      htlcId: m.id,
      paymentHash: htlc.paymentHash,
      paymentPreimage: m.paymentPreimage,
      amountMsat: htlc.amountMsat,
      ...attributionOf(m),
    });
  } else if (m.kind === 'update_fail_malformed_htlc' && (m.failureCode & BADONION) === 0) {
    // BOLT 2: "if the `BADONION` bit in `failure_code` is not set for `update_fail_malformed_htlc`:"
    return failChannel(state, 'update_fail_malformed_htlc without the BADONION bit');
  }
  return done({ ...state, remoteChanges: { ...rc, proposed: [...rc.proposed, m] } }, [], events);
}

/** BOLT 2 receiver checks on update_fee. */
export function receiveFee(state: ChannelState, m: UpdateFee, policy: ChannelPolicy): StepResult {
  // BOLT 2: "if the sender is not responsible for paying the Bitcoin fee:" ... "send an `error` and fail the channel."
  if (state.isFunder) return failChannel(state, 'update_fee from the non-funder');
  if (!acceptsRemovals(state)) return failChannel(state, `update_fee in phase ${state.phase}`);
  // BOLT 2: "if the `update_fee` is too low for timely processing, OR is unreasonably large:"
  // The bounds follow our own estimate when we have one (see acceptableRemoteFeerate); a rate
  // above the one in force is never refused as too low (LDK's check_remote_fee does the same):
  // it only makes the commitment likelier to confirm.
  const bounds = acceptableRemoteFeerate(state.format, policy);
  const current = state.localCommit!.spec.feeratePerKw;
  const tooLow =
    m.feeratePerKw < bounds.min && !(m.feeratePerKw > current && m.feeratePerKw >= policy.minFeeratePerKw);
  if (tooLow || m.feeratePerKw > bounds.max)
    return failChannel(
      state,
      `update_fee ${m.feeratePerKw} sat/kw is outside [${bounds.min}, ${bounds.max}]${bounds.fromEstimate ? ' (from our fee estimate)' : ''}`,
    );
  const rc = state.remoteChanges;
  const proposed = [...rc.proposed.filter((u) => u.kind !== 'update_fee'), m];
  const spec = reduceSpec(state.localCommit!.spec, state.localChanges.acked, proposed);
  // BOLT 2: "if the sender cannot afford the new fee rate on the receiving node's current commitment transaction:"
  if (spec.toRemoteMsat < commitmentCostMsat(state.format, spec, 'local', state.local.dustLimitSat))
    return failChannel(state, 'update_fee the funder cannot afford');
  // BOLT 2: "if `option_anchors` was not negotiated:" ... "if the `update_fee` increases `feerate_per_kw`:"
  // ... "if the dust balance of the local transaction at the updated `feerate_per_kw` is greater than `max_dust_htlc_exposure_msat`:" ... "MAY fail the channel"
  // (and the same for the remote transaction). Only if the policy says so: by default we accept,
  // and the HTLC checks refuse new dust until the exposure falls.
  if (policy.closeOnUpdateFeeDustOverflow && state.format !== 'anchors' && m.feeratePerKw > current) {
    // Every HTLC either side has sent, at the new feerate, trimmed by each side's dust limit.
    const spec = { ...localProjection(state), feeratePerKw: m.feeratePerKw };
    const over = dustOverflowAt(
      state,
      [
        { owner: 'local', spec, dust: state.local.dustLimitSat },
        { owner: 'remote', spec, dust: remoteParams(state).dustLimitSat },
      ],
      policy,
    );
    if (over !== undefined)
      return failChannel(
        state,
        `update_fee ${m.feeratePerKw} sat/kw would trim ${over.balanceMsat} msat of HTLCs on the ${over.owner} commitment, above our dust limit ${over.limitMsat} msat`,
      );
  }
  return done({ ...state, remoteChanges: { ...rc, proposed } });
}
