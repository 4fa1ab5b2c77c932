// src/channel/fee-update.ts: when the funder sends `update_fee` as chain fees move (BOLT 2: "SHOULD
// send `update_fee` to ensure the current fee rate is sufficient (by a significant margin) for
// timely processing of the commitment transaction."). Pure: the driver passes the estimates in.
//
// The thresholds follow the field:
// - raise once the estimate is 10% above the channel's rate (lnd's shouldAdjustCommitFee and
//   eclair's update-fee-min-diff-ratio 0.1), so a wobbling estimate does not cost an update
//   (and a signature round trip) every block;
// - lower only once the estimate is below half the channel's rate (LDK's update_channel_fee:
//   "If the feerate has decreased by less than half, don't bother"): a rate a little high costs
//   the funder little, one too low can leave a force close stuck;
// - anchors channels follow a long-target estimate capped at 10 sat/vB (LDK's AnchorChannelFee
//   "can be a low value as we can always bump the feerate later"; lnd's
//   max-commit-fee-rate-anchors), since their commitments are CPFP'd at broadcast;
// - never below 253 sat/kw nor our `minFeeratePerKw` (the floor of every implementation we
//   know: LDK refuses less than its MinAllowed*ChannelRemoteFee, bounded below by 253);
// - never a rate we cannot afford: when the estimate is out of reach we send the highest rate we
//   can pay while keeping our reserve and our dust limit, or nothing.
import { type ChainFeerates, type ChannelPolicy, FEERATE_FLOOR_PER_KW } from './policy.js';
import type { ChannelFormat, ChannelState } from './types.js';
import { feeUpdateProblem, remoteView } from './updates.js';

/** Raise when the estimate reaches the channel's rate times this (lnd, eclair: +10%). */
export const FEE_RAISE_RATIO = 1.1;
/** Lower when the estimate falls to the channel's rate times this (LDK: half). */
export const FEE_LOWER_RATIO = 0.5;

/** What `decideFeeUpdate` needs: plain numbers (sat/kw) and an affordability test. */
export interface FeeUpdateInputs {
  /** The channel's feerate, including an update_fee we sent that is not yet committed. */
  currentPerKw: number;
  /** The chain estimate for this channel's commitment (its target and format chosen already). */
  estimatePerKw: number;
  /** The lowest rate we send. */
  floorPerKw: number;
  /** The highest rate we send. */
  ceilingPerKw: number;
  /** Whether we can pay `feeratePerKw` (reserve kept, dust limit respected); false above some rate. */
  canAfford: (feeratePerKw: number) => boolean;
}

/** Keep the rate, or send `update_fee` with `feeratePerKw` (`capped`: below the estimate, all we can afford). */
export type FeeUpdateDecision =
  | { kind: 'keep'; reason: 'close_enough' | 'unaffordable'; targetPerKw: number }
  | { kind: 'update'; feeratePerKw: number; targetPerKw: number; capped: boolean };

/** Pure: whether and to what the funder moves the commitment feerate. */
export function decideFeeUpdate(i: FeeUpdateInputs): FeeUpdateDecision {
  const floor = Math.max(FEERATE_FLOOR_PER_KW, Math.ceil(i.floorPerKw));
  const ceiling = Math.max(floor, Math.floor(i.ceilingPerKw));
  const target = Math.min(Math.max(Math.round(i.estimatePerKw), floor), ceiling);
  const current = i.currentPerKw;
  const raise = target > current && (target >= current * FEE_RAISE_RATIO || current < floor);
  const lower = target < current && (target <= current * FEE_LOWER_RATIO || current > ceiling);
  if (!raise && !lower) return { kind: 'keep', reason: 'close_enough', targetPerKw: target };
  if (i.canAfford(target))
    return { kind: 'update', feeratePerKw: target, targetPerKw: target, capped: false };
  // A lower rate costs less and trims fewer HTLCs; if even that fails, the channel is already
  // below its reserve and any change of ours would be refused.
  if (lower) return { kind: 'keep', reason: 'unaffordable', targetPerKw: target };
  // The highest affordable rate above the current one, by bisection (affordability only falls
  // as the rate rises: a higher rate costs more and trims more HTLCs).
  let lo = Math.max(current, floor - 1); // not known affordable above this
  let hi = target; // not affordable
  if (!i.canAfford(lo + 1)) return { kind: 'keep', reason: 'unaffordable', targetPerKw: target };
  lo += 1;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (i.canAfford(mid)) lo = mid;
    else hi = mid;
  }
  if (lo <= current || lo < floor) return { kind: 'keep', reason: 'unaffordable', targetPerKw: target };
  return { kind: 'update', feeratePerKw: lo, targetPerKw: target, capped: true };
}

/** The estimate a channel of this format follows: anchors use their own, capped (see above). */
export function feerateTargetFor(
  format: ChannelFormat,
  feerates: ChainFeerates,
  policy: ChannelPolicy,
): number {
  return format === 'anchors'
    ? Math.min(feerates.anchorsPerKw, policy.maxAnchorsCommitFeeratePerKw)
    : feerates.commitmentPerKw;
}

/** Whether the funder may move the feerate now: open, not closing, peer connected and reestablished. */
export function mayUpdateFee(state: ChannelState): boolean {
  return (
    state.isFunder &&
    state.phase === 'normal' &&
    state.localShutdown === undefined &&
    state.remoteShutdown === undefined &&
    state.shutdownQueued === undefined &&
    state.connection === 'active' &&
    state.localCommit !== undefined &&
    state.remoteCommit !== undefined
  );
}

/**
 * The fee update this channel should send given the chain's estimates, or undefined when it may
 * not send one now (see `mayUpdateFee`). The driver turns an `update` into the `updateFee` command.
 */
export function planFeeUpdate(
  state: ChannelState,
  feerates: ChainFeerates,
  policy: ChannelPolicy,
): FeeUpdateDecision | undefined {
  if (!mayUpdateFee(state)) return undefined;
  const ceiling =
    state.format === 'anchors'
      ? Math.min(policy.maxFeeratePerKw, policy.maxAnchorsCommitFeeratePerKw)
      : policy.maxFeeratePerKw;
  return decideFeeUpdate({
    currentPerKw: remoteView(state).feeratePerKw,
    estimatePerKw: feerateTargetFor(state.format, feerates, policy),
    floorPerKw: policy.minFeeratePerKw,
    ceilingPerKw: ceiling,
    canAfford: (f) => feeUpdateProblem(state, f, policy) === undefined,
  });
}
