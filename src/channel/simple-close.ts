// src/channel/simple-close.ts: option_simple_close (BOLT 2 "Closing Negotiation: `closing_complete`
// and `closing_sig`"). Each side may send closing_complete for its own closing transaction, paying
// its fee from its own output; the other signs it and answers closing_sig. Either side may replace
// its transaction later (RBF) with a new closing_complete, so a channel in phase `closing` still
// takes closing_complete and closing_sig.
import { equalBytes } from '../crypto/index.js';
import { isDust, type SimpleCloseVariant, type Tx, txid } from '../tx/index.js';
import type { ClosingComplete, ClosingSig, Shutdown } from '../wire/index.js';
import {
  fundingWitnessScript,
  signFundingSpend,
  verifyFundingSpend,
  withFundingWitness,
} from './funding-spend.js';
import { type ChannelPolicy, isValidShutdownScript } from './policy.js';
import { done, reject, warn } from './result.js';
import { type CloserView, closerOffer, isOpReturn, simpleClosingTx } from './simple-close-tx.js';
import type {
  ChannelCommand,
  ChannelEvent,
  ChannelState,
  SimpleClosing,
  SimpleClosingOffer,
  StepResult,
} from './types.js';

type ClosingTlvs = NonNullable<ClosingComplete['tlvs']>;
type SigField = 'closerOutputOnly' | 'closeeOutputOnly' | 'closerAndCloseeOutputs';

/** The TLV field each variant's signature travels in. */
const FIELD: Record<SimpleCloseVariant, SigField> = {
  closer_output_only: 'closerOutputOnly',
  closee_output_only: 'closeeOutputOnly',
  closer_and_closee_outputs: 'closerAndCloseeOutputs',
};
const VARIANTS = Object.keys(FIELD) as SimpleCloseVariant[];

/** The channel as closing_complete sees it when we are the closer. */
function ourView(state: ChannelState, closerScript: Uint8Array, lockTime: number): CloserView {
  const spec = state.localCommit!.spec;
  return {
    fundingOutpoint: state.fundingOutpoint!,
    closerBalanceMsat: spec.toLocalMsat,
    closeeBalanceMsat: spec.toRemoteMsat,
    closerScriptpubkey: closerScript,
    closeeScriptpubkey: state.remoteShutdown!,
    lockTime,
  };
}

/** The channel as the peer's closing_complete describes it (the peer is the closer). */
function theirView(state: ChannelState, m: ClosingComplete): CloserView {
  const spec = state.localCommit!.spec;
  return {
    fundingOutpoint: state.fundingOutpoint!,
    closerBalanceMsat: spec.toRemoteMsat,
    closeeBalanceMsat: spec.toLocalMsat,
    closerScriptpubkey: m.closerScriptpubkey,
    closeeScriptpubkey: m.closeeScriptpubkey,
    lockTime: m.locktime,
  };
}

/** Why a closer script from the peer is not acceptable (BOLT 2 shutdown requirements), if it is not. */
function badRemoteScript(state: ChannelState, script: Uint8Array): string | undefined {
  if (!isValidShutdownScript(script, state.features.shutdownAnySegwit, state.features.simpleClose))
    return 'scriptpubkey is not a valid form';
  const upfront = state.remote?.upfrontShutdownScript ?? new Uint8Array(0);
  if (state.features.upfrontShutdownScript && upfront.length > 0 && !equalBytes(upfront, script))
    return 'scriptpubkey differs from the upfront shutdown script';
  return undefined;
}

/** Whether we send closing_complete unprompted, once the channel is clean (see the policy). */
function wantsToOffer(state: ChannelState, policy: ChannelPolicy): boolean {
  if (state.isFunder || policy.simpleCloseAsFundee === 'always') return true;
  // The funder pays, unless its balance cannot: judged at our own closing feerate.
  const spec = state.localCommit!.spec;
  const funder: CloserView = {
    fundingOutpoint: state.fundingOutpoint!,
    closerBalanceMsat: spec.toRemoteMsat,
    closeeBalanceMsat: spec.toLocalMsat,
    closerScriptpubkey: state.remoteShutdown!,
    closeeScriptpubkey: state.localShutdown!,
    lockTime: 0,
  };
  const offer = closerOffer(funder, state.closingFeeratePerKw, fundingWitnessScript(state));
  return 'error' in offer || !offer.fullFee;
}

/** Our closing_complete at `feeratePerKw` paying to `closerScript`, or why we cannot send one. */
function ourClosingComplete(
  state: ChannelState,
  feeratePerKw: number,
  closerScript: Uint8Array,
  lockTime: number,
): { state: ChannelState; message: ClosingComplete } | { error: string } {
  const view = ourView(state, closerScript, lockTime);
  const offer = closerOffer(view, feeratePerKw, fundingWitnessScript(state));
  if ('error' in offer) return offer;
  const tlvs: ClosingTlvs = {};
  // BOLT 2: "MUST set `signature` fields as valid signature using its `funding_pubkey` of:"
  for (const variant of offer.variants)
    tlvs[FIELD[variant]] = signFundingSpend(state, simpleClosingTx(view, offer.feeSat, variant));
  const sent: SimpleClosingOffer = {
    // BOLT 2: "MUST set `closer_scriptpubkey` to its desired output script."
    closerScriptpubkey: closerScript,
    // BOLT 2: "MUST set `closee_scriptpubkey` to the last script it received from its peer (from `closing_complete` or from the initial `shutdown`)."
    closeeScriptpubkey: state.remoteShutdown!,
    feeSat: offer.feeSat,
    // BOLT 2: "MUST set `locktime` to the desired `nLockTime` of the closing transaction."
    lockTime,
    variants: offer.variants,
  };
  const message: ClosingComplete = {
    kind: 'closing_complete',
    channelId: state.channelId!,
    closerScriptpubkey: sent.closerScriptpubkey,
    closeeScriptpubkey: sent.closeeScriptpubkey,
    feeSatoshis: sent.feeSat,
    locktime: lockTime,
    tlvs,
  };
  return {
    // From now on this is "the last script it sent" the peer's closing_complete must pay us to.
    state: {
      ...state,
      localShutdown: closerScript,
      simpleClosing: { ...state.simpleClosing!, awaitingSig: sent },
    },
    message,
  };
}

/** Sends our closing_complete if we want to and may (nothing of ours pending or signed yet). */
function offerIfWanted(state: ChannelState, policy: ChannelPolicy, height: number): StepResult {
  const sc = state.simpleClosing!;
  if (sc.awaitingSig !== undefined || sc.ownTxid !== undefined || !wantsToOffer(state, policy))
    return done(state);
  const r = ourClosingComplete(state, state.closingFeeratePerKw, state.localShutdown!, height);
  // We cannot pay for a closing transaction: the peer's closing_complete will close the channel.
  if ('error' in r) return done(state);
  return done(r.state, [r.message]);
}

/** The clean channel enters option_simple_close negotiation (instead of closing_signed). */
export function startSimpleClose(state: ChannelState, policy: ChannelPolicy, height: number): StepResult {
  const simpleClosing: SimpleClosing = { signedTxids: [] };
  // BOLT 2: "After a `shutdown` has been sent and received, AND no HTLCs remain in either commitment transaction:" ... "SHOULD send a `closing_complete` message."
  return offerIfWanted({ ...state, phase: 'negotiating', simpleClosing }, policy, height);
}

/**
 * Command: our (new) closing_complete at the feerate given, e.g. to bump the fee of our closing
 * transaction or to pay to another script.
 */
export function simpleCloseCommand(
  state: ChannelState,
  cmd: Extract<ChannelCommand, { kind: 'closeChannel' }>,
  height: number,
): StepResult {
  const sc = state.simpleClosing;
  if (sc === undefined)
    return reject(state, 'not_ready', `no simple close negotiation in phase ${state.phase}`);
  if (state.connection !== 'active') return reject(state, 'disconnected', 'the peer is not connected');
  // BOLT 2: "If it wants to send another `closing_complete` (e.g. with a different `fee_satoshis` or `closer_scriptpubkey`):" ... "MUST wait until it has received `closing_sig` first."
  if (sc.awaitingSig !== undefined)
    return reject(state, 'closing', 'our previous closing_complete is still waiting for closing_sig');
  const script = cmd.scriptpubkey ?? state.localShutdown!;
  const upfront = state.local.upfrontShutdownScript;
  if (upfront.length > 0 && !equalBytes(script, upfront))
    return reject(state, 'invalid', 'we committed to an upfront shutdown script; it must be used');
  if (!isValidShutdownScript(script, state.features.shutdownAnySegwit, true))
    return reject(state, 'invalid', 'not a valid closing scriptpubkey');
  const feeratePerKw = cmd.closingFeeratePerKw ?? state.closingFeeratePerKw;
  const r = ourClosingComplete(state, feeratePerKw, script, height);
  if ('error' in r) return reject(state, 'insufficient_funds', r.error);
  return done({ ...r.state, closingFeeratePerKw: feeratePerKw }, [r.message]);
}

/** Both signatures on one closing transaction: broadcast it; the channel is closing. */
function signedClosing(
  state: ChannelState,
  tx: Tx,
  theirSig: Uint8Array,
  sc: SimpleClosing,
  outbound: ClosingSig[],
): StepResult {
  const { raw, txid: id } = withFundingWitness(state, tx, signFundingSpend(state, tx), theirSig);
  const next: ChannelState = {
    ...state,
    phase: 'closing',
    simpleClosing: {
      ...sc,
      signedTxids: sc.signedTxids.some((t) => equalBytes(t, id)) ? sc.signedTxids : [...sc.signedTxids, id],
    },
    closingTx: raw,
    closingTxid: id,
  };
  const events: ChannelEvent[] =
    state.phase === 'closing' ? [] : [{ kind: 'closing', how: 'mutual', txid: id }];
  return done(next, outbound, events, [{ kind: 'broadcastClosing', tx: raw, txid: id }]);
}

/** The signature fields present in a closing_complete or closing_sig. */
function presentVariants(tlvs: ClosingTlvs | undefined): SimpleCloseVariant[] {
  return VARIANTS.filter((v) => tlvs?.[FIELD[v]] !== undefined);
}

/** The peer's closing_complete: we are the closee. */
export function receiveClosingComplete(state: ChannelState, m: ClosingComplete): StepResult {
  if (!state.features.simpleClose) return warn(state, 'closing_complete without option_simple_close');
  const sc = state.simpleClosing;
  if (sc === undefined || (state.phase !== 'negotiating' && state.phase !== 'closing'))
    return warn(state, `closing_complete in phase ${state.phase}`);
  const spec = state.localCommit!.spec;
  const closerSat = spec.toRemoteMsat / 1000n;
  // BOLT 2: "If `fee_satoshis` is greater than the closer's outstanding balance:" ... "MUST either send a `warning` and close the connection, or send an `error` and fail the channel."
  if (m.feeSatoshis > closerSat)
    return warn(
      state,
      `closing_complete fee_satoshis ${m.feeSatoshis} exceeds the closer's balance of ${closerSat} sat`,
    );
  // BOLT 2: "If `closee_scriptpubkey` does not match the last script it sent (from `closing_complete` or from the initial `shutdown`):" ... "SHOULD ignore `closing_complete`." ... "SHOULD send a `warning`." ... "SHOULD close the connection."
  if (!equalBytes(m.closeeScriptpubkey, state.localShutdown!))
    return warn(state, 'closing_complete closee_scriptpubkey is not the last script we sent');
  const bad = badRemoteScript(state, m.closerScriptpubkey);
  // BOLT 2: "If `closer_scriptpubkey` is invalid" ... "SHOULD ignore `closing_complete`." ... "SHOULD send a `warning`."
  if (bad !== undefined) return warn(state, `closing_complete closer_${bad}`);
  // BOLT 2: "If `closer_scriptpubkey` is a valid `OP_RETURN` script:" ... "MUST set the closer's output amount to zero" (buildSimpleClosingTx does).
  const view = theirView(state, m);
  const ourSat = isOpReturn(m.closeeScriptpubkey) ? 0n : spec.toLocalMsat / 1000n;
  // BOLT 2: "Select a signature for validation:" ... "If the local output amount is dust:" ... "MUST use `closer_output_only`."
  // BOLT 2: "Otherwise, if `closer_and_closee_outputs` is present:" ... "MUST use `closer_and_closee_outputs`." ... "Otherwise:" ... "MUST use `closee_output_only`."
  // (We consider no non-dust output of ours uneconomical.)
  const variant: SimpleCloseVariant = isDust(m.closeeScriptpubkey, ourSat)
    ? 'closer_output_only'
    : m.tlvs?.closerAndCloseeOutputs !== undefined
      ? 'closer_and_closee_outputs'
      : 'closee_output_only';
  const sig = m.tlvs?.[FIELD[variant]];
  // BOLT 2: "If the selected signature field does not exist:" ... "MUST either send a `warning` and close the connection, or send an `error` and fail the channel."
  if (sig === undefined) return warn(state, `closing_complete lacks the ${variant} signature`);
  // BOLT 2: "MUST generate the remote closing transaction as specified in [BOLT #3]"
  const tx = simpleClosingTx(view, m.feeSatoshis, variant);
  // BOLT 2: "If the signature field is not valid for the corresponding closing transaction specified in [BOLT #3]"
  // BOLT 2: "If the signature field is non-compliant with LOW-S-standard rule" (verification rejects high S)
  if (!verifyFundingSpend(state, tx, sig))
    return warn(state, `closing_complete ${variant} signature is invalid`);
  // BOLT 2: "MUST send `closing_sig` with a single valid signature in the same TLV field as the `closing_complete`."
  const reply: ClosingSig = {
    kind: 'closing_sig',
    channelId: state.channelId!,
    closerScriptpubkey: m.closerScriptpubkey,
    closeeScriptpubkey: m.closeeScriptpubkey,
    feeSatoshis: m.feeSatoshis,
    locktime: m.locktime,
    tlvs: { [FIELD[variant]]: signFundingSpend(state, tx) },
  };
  // BOLT 2: "MUST use `closer_scriptpubkey` for its own future `closing_complete` messages."
  const next: ChannelState = { ...state, remoteShutdown: m.closerScriptpubkey };
  // BOLT 2: "MUST sign and broadcast the corresponding closing transaction."
  return signedClosing(next, tx, sig, { ...sc, remoteTxid: txid(tx) }, [reply]);
}

/** The peer's closing_sig for our closing_complete: we are the closer. */
export function receiveClosingSig(state: ChannelState, m: ClosingSig): StepResult {
  const sc = state.simpleClosing;
  const sent = sc?.awaitingSig;
  if (!state.features.simpleClose || sc === undefined || sent === undefined)
    return warn(state, 'closing_sig without a closing_complete of ours');
  // BOLT 2: "If `closer_scriptpubkey`, `closee_scriptpubkey`, `fee_satoshis` or `locktime` don't match what was sent in `closing_complete`:"
  if (
    !equalBytes(m.closerScriptpubkey, sent.closerScriptpubkey) ||
    !equalBytes(m.closeeScriptpubkey, sent.closeeScriptpubkey) ||
    m.feeSatoshis !== sent.feeSat ||
    m.locktime !== sent.lockTime
  )
    return warn(state, 'closing_sig does not match our closing_complete');
  const present = presentVariants(m.tlvs);
  // BOLT 2: "If `tlvs` does not contain exactly one signature:"
  if (present.length !== 1) return warn(state, `closing_sig carries ${present.length} signatures, not one`);
  const variant = present[0]!;
  // BOLT 2: "If `tlvs` does not contain one of the TLV fields sent in `closing_complete`:"
  if (!sent.variants.includes(variant))
    return warn(state, `closing_sig signs ${variant}, which we did not offer`);
  const view: CloserView = {
    ...ourView(state, sent.closerScriptpubkey, sent.lockTime),
    closeeScriptpubkey: sent.closeeScriptpubkey,
  };
  const tx = simpleClosingTx(view, sent.feeSat, variant);
  const sig = m.tlvs![FIELD[variant]]!;
  // BOLT 2: "If the signature field is not valid for the corresponding closing transaction specified in [BOLT #3]"
  // BOLT 2: "If the signature field is non-compliant with LOW-S-standard rule" (verification rejects high S)
  if (!verifyFundingSpend(state, tx, sig)) return warn(state, `closing_sig ${variant} signature is invalid`);
  // BOLT 2: "otherwise:" ... "MUST broadcast the corresponding closing transaction."
  const next: SimpleClosing = { ...sc, awaitingSig: undefined, ownTxid: txid(tx), ownFeeSat: sent.feeSat };
  return signedClosing(state, tx, sig, next, []);
}

/**
 * A shutdown while simple-closing: the retransmission after a reconnection, with the peer's latest
 * script. The signing flow restarts: our closing_complete goes (again) if we have none signed.
 */
export function shutdownWhileSimpleClosing(
  state: ChannelState,
  m: Shutdown,
  policy: ChannelPolicy,
  height: number,
): StepResult {
  const bad = badRemoteScript(state, m.scriptpubkey);
  // BOLT 2: "if the `scriptpubkey` is not in one of the above forms:" ... "SHOULD send a `warning`."
  if (bad !== undefined) return warn(state, `shutdown ${bad}`);
  return offerIfWanted({ ...state, remoteShutdown: m.scriptpubkey }, policy, height);
}
