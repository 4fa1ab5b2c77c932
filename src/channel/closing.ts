// src/channel/closing.ts: legacy closing fee negotiation with `closing_signed` and `fee_range`
// (BOLT 2 "Legacy Closing Negotiation"), used when option_simple_close was not negotiated by both
// sides; simple-close.ts has the `closing_complete` / `closing_sig` negotiation.
import { equalBytes } from '../crypto/index.js';
import {
  buildLegacyClosingTx,
  dustThresholdSat,
  feeForWeight,
  fundingScript,
  type Tx,
  txWeight,
  withWitnesses,
} from '../tx/index.js';
import type { ClosingSigned } from '../wire/index.js';
import { remoteParams } from './commitments.js';
import { failChannel } from './force-close.js';
import { signFundingSpend, verifyFundingSpend, withFundingWitness } from './funding-spend.js';
import type { ChannelPolicy } from './policy.js';
import { done, warn } from './result.js';
import { maxBig, minBig } from './spec.js';
import type { ChannelState, ClosingNegotiation, StepResult } from './types.js';

/** The closing transaction with `feeSat`, as a node with dust limit `dustLimitSat` builds it. */
export function closingTx(state: ChannelState, feeSat: bigint, dustLimitSat: bigint): Tx {
  const spec = state.localCommit!.spec;
  return buildLegacyClosingTx({
    fundingOutpoint: state.fundingOutpoint!,
    localScriptPubkey: state.localShutdown!,
    remoteScriptPubkey: state.remoteShutdown!,
    toLocalMsat: spec.toLocalMsat,
    toRemoteMsat: spec.toRemoteMsat,
    feeSat,
    localIsFunder: state.isFunder,
    dustLimitSat,
  });
}

/** The funder's balance in whole satoshis: the most a closing fee can be. */
function funderSat(state: ChannelState): bigint {
  const spec = state.localCommit!.spec;
  return (state.isFunder ? spec.toLocalMsat : spec.toRemoteMsat) / 1000n;
}

/** The closing fee at `feeratePerKw`, from the weight of the signed two-output transaction. */
export function closingFeeAt(state: ChannelState, feeratePerKw: number): bigint {
  const tx = closingTx(state, 0n, 0n);
  const sig = new Uint8Array(73);
  const witness = [
    new Uint8Array(0),
    sig,
    sig,
    fundingScript(state.local.fundingPubkey, remoteParams(state).fundingPubkey),
  ];
  return feeForWeight(feeratePerKw, txWeight(withWitnesses(tx, [witness])));
}

function clamp(v: bigint, lo: bigint, hi: bigint): bigint {
  return v < lo ? lo : v > hi ? hi : v;
}

/** A closing_signed proposing `feeSat` (with our fee_range), signed on our variant of the tx. */
function proposal(state: ChannelState, feeSat: bigint, withRange: boolean): ClosingSigned {
  const c = state.closing!;
  return {
    kind: 'closing_signed',
    channelId: state.channelId!,
    feeSatoshis: feeSat,
    signature: signFundingSpend(state, closingTx(state, feeSat, state.local.dustLimitSat)),
    ...(withRange
      ? { tlvs: { feeRange: { minFeeSatoshis: c.ourMinFeeSat, maxFeeSatoshis: c.ourMaxFeeSat } } }
      : {}),
  };
}

/** The clean channel enters negotiation; the funder makes the first offer. */
export function startNegotiation(state: ChannelState, policy: ChannelPolicy): StepResult {
  const cap = funderSat(state);
  const min = clamp(closingFeeAt(state, policy.minClosingFeeratePerKw), 0n, cap);
  const target = clamp(closingFeeAt(state, state.closingFeeratePerKw), min, cap);
  // BOLT 2: "SHOULD set `fee_range` according to the minimum and maximum fees it is" prepared to pay.
  // The funder already pays the current commitment feerate should the channel close by force, so it
  // is prepared to pay that for a mutual close too: a peer whose minimum follows a higher fee
  // estimate than our closing feerate (LDK's does) still finds an overlap.
  const commitFeerate = state.localCommit?.spec.feeratePerKw ?? 0;
  const maxFeerate = Math.max(state.closingFeeratePerKw * 2, commitFeerate);
  const max = clamp(closingFeeAt(state, maxFeerate), target, cap);
  const closing: ClosingNegotiation = {
    ourMinFeeSat: min,
    ourMaxFeeSat: max,
    ourTargetFeeSat: target,
    sentRange: false,
  };
  const next: ChannelState = { ...state, phase: 'negotiating', closing };
  // BOLT 2: "after `shutdown` has been received, AND no HTLCs remain in either commitment transaction:" ... "SHOULD send a `closing_signed` message."
  if (!state.isFunder) return done(next);
  const r = closingSignedFor(next);
  return done(r.state, r.outbound);
}

/** Our (re)offer: the funder's opening proposal, or our final fee again once agreed. */
export function closingSignedFor(state: ChannelState): { state: ChannelState; outbound: ClosingSigned[] } {
  const c = state.closing;
  if (c === undefined) return { state, outbound: [] };
  if (state.phase === 'closing') {
    const fee = c.lastSentFeeSat ?? c.lastReceivedFeeSat;
    return fee === undefined ? { state, outbound: [] } : { state, outbound: [proposal(state, fee, false)] };
  }
  const msg = proposal(state, c.ourTargetFeeSat, true);
  return {
    state: { ...state, closing: { ...c, lastSentFeeSat: c.ourTargetFeeSat, sentRange: true } },
    outbound: [msg],
  };
}

/** The closing transaction variant the peer's signature is valid for, if any. */
function matchSignature(state: ChannelState, m: ClosingSigned): Tx | undefined {
  const theirs = closingTx(state, m.feeSatoshis, remoteParams(state).dustLimitSat);
  const withoutTheirOutput: Tx = {
    ...theirs,
    outputs: theirs.outputs.filter((o) => !equalBytes(o.script, state.remoteShutdown!)),
  };
  const candidates = [theirs, withoutTheirOutput, closingTx(state, m.feeSatoshis, state.local.dustLimitSat)];
  return candidates.find((tx) => tx.outputs.length > 0 && verifyFundingSpend(state, tx, m.signature));
}

/** Both signatures on one transaction: the channel is closing. */
function finish(
  state: ChannelState,
  tx: Tx,
  theirSig: Uint8Array,
  feeSat: bigint,
  outbound: ClosingSigned[],
): StepResult {
  const { raw, txid: id } = withFundingWitness(state, tx, signFundingSpend(state, tx), theirSig);
  const next: ChannelState = {
    ...state,
    phase: 'closing',
    closing: { ...state.closing!, lastSentFeeSat: feeSat, lastReceivedFeeSat: feeSat },
    closingTx: raw,
    closingTxid: id,
  };
  return done(
    next,
    outbound,
    [{ kind: 'closing', how: 'mutual', txid: id }],
    [{ kind: 'broadcastClosing', tx: raw, txid: id }],
  );
}

/** The peer's closing_signed. */
export function receiveClosingSigned(state: ChannelState, m: ClosingSigned): StepResult {
  if (state.phase === 'closing') return done(state); // a retransmission of an agreed fee
  if (state.phase !== 'negotiating' || state.closing === undefined)
    return warn(state, `closing_signed in phase ${state.phase}`);
  if (m.feeSatoshis > funderSat(state))
    return failChannel(state, 'closing_signed fee exceeds the funder balance');
  const tx = matchSignature(state, m);
  // BOLT 2: "if the `signature` is not valid for either variant of closing transaction specified in [BOLT #3](03-transactions.md#closing-transaction) OR non-compliant with LOW-S-standard rule"
  if (tx === undefined) return failChannel(state, 'closing_signed signature is invalid');
  // BOLT 2: "if one of the outputs in the closing transaction is below the dust limit for its `scriptpubkey`"
  if (tx.outputs.some((o) => o.amountSat < dustThresholdSat(o.script)))
    return failChannel(state, 'closing transaction has an output below its dust limit');
  const c: ClosingNegotiation = {
    ...state.closing,
    lastReceivedFeeSat: m.feeSatoshis,
    lastReceivedSig: m.signature,
  };
  let s: ChannelState = { ...state, closing: c };
  const fee = m.feeSatoshis;
  // BOLT 2: "if `fee_satoshis` is equal to its previously sent `fee_satoshis`:" ... "SHOULD sign and broadcast the final closing transaction."
  if (c.lastSentFeeSat === fee) return finish(s, tx, m.signature, fee, []);
  const range = m.tlvs?.feeRange;
  if (range !== undefined) {
    let ourMax = c.ourMaxFeeSat;
    // BOLT 2: "if it is not the funder: ... SHOULD set `max_fee_satoshis` to at least the `max_fee_satoshis` received"
    if (!s.isFunder && range.maxFeeSatoshis > ourMax) ourMax = clamp(range.maxFeeSatoshis, 0n, funderSat(s));
    s = { ...s, closing: { ...c, ourMaxFeeSat: ourMax } };
    const lo = maxBig(range.minFeeSatoshis, c.ourMinFeeSat);
    const hi = minBig(range.maxFeeSatoshis, ourMax);
    // BOLT 2: "if there is no overlap between that and its own `fee_range`:" ... "SHOULD send a warning"
    if (lo > hi)
      return warn(
        state,
        `no overlap between fee ranges [${range.minFeeSatoshis}, ${range.maxFeeSatoshis}] and ours`,
      );
    const inOverlap = fee >= lo && fee <= hi;
    if (s.isFunder) {
      // BOLT 2: "if `fee_satoshis` is not in the overlap between the sent and received `fee_range`:" ... "MUST fail the channel"
      if (!inOverlap) return failChannel(state, `closing_signed fee ${fee} is outside the fee range overlap`);
      // BOLT 2: "MUST reply with the same `fee_satoshis`."
      return finish(s, tx, m.signature, fee, [proposal(s, fee, false)]);
    }
    // BOLT 2: "if it has already sent a `closing_signed`:" ... "if `fee_satoshis` is not the same as the value it sent:" ... "MUST fail the channel"
    if (c.lastSentFeeSat !== undefined)
      return failChannel(state, 'closing_signed fee changed after we answered');
    if (inOverlap) return finish(s, tx, m.signature, fee, [proposal(s, fee, true)]);
    // BOLT 2: "MUST propose a `fee_satoshis` in the overlap between received and (about-to-be) sent `fee_range`."
    const ours = clamp(fee, lo, hi);
    const next: ChannelState = { ...s, closing: { ...s.closing!, lastSentFeeSat: ours, sentRange: true } };
    return done(next, [proposal(next, ours, true)]);
  }
  // Legacy negotiation without fee_range.
  if (fee >= c.ourMinFeeSat && fee <= (s.isFunder ? c.ourMaxFeeSat : funderSat(s))) {
    // BOLT 2: "otherwise, if the receiver agrees with the fee:" ... "SHOULD reply with a `closing_signed` with the same `fee_satoshis` value."
    return finish(s, tx, m.signature, fee, [proposal(s, fee, false)]);
  }
  // BOLT 2: "MUST propose a value" ... strictly between the fee received and the one we sent last.
  const last = c.lastSentFeeSat ?? c.ourTargetFeeSat;
  let ours = (last + fee) / 2n;
  if (ours === last || ours === fee) ours = fee;
  ours = clamp(ours, 0n, funderSat(s));
  const next: ChannelState = { ...s, closing: { ...s.closing!, lastSentFeeSat: ours } };
  return done(next, [proposal(next, ours, false)]);
}
