// src/channel/spec.ts: the content of a commitment (balances, HTLCs, feerate) and how update
// messages change it, plus the fee arithmetic of BOLT 3 on top of it.
import { ANCHOR_OUTPUT_SAT, commitmentFeeSat, isHtlcTrimmed } from '../tx/index.js';
import type { ChannelFormat, CommitSpec, HtlcEntry, UpdateMessage } from './types.js';

/** Which side's commitment transaction a spec describes. */
export type Owner = 'local' | 'remote';

/** Thrown only on a bookkeeping bug: every update is validated before it enters a log. */
export class ChannelInvariantError extends Error {
  override name = 'ChannelInvariantError';
}

function removeHtlc(htlcs: HtlcEntry[], origin: 'local' | 'remote', id: bigint): HtlcEntry {
  const i = htlcs.findIndex((h) => h.origin === origin && h.id === id);
  if (i < 0) throw new ChannelInvariantError(`no ${origin} HTLC ${id} in the commitment`);
  const [h] = htlcs.splice(i, 1);
  return h!;
}

/**
 * Applies our updates (`ours`) and the peer's (`theirs`) to a commitment's content. Adds come
 * first, then removals, then fee updates, so the result does not depend on interleaving.
 */
export function reduceSpec(
  spec: CommitSpec,
  ours: readonly UpdateMessage[],
  theirs: readonly UpdateMessage[],
): CommitSpec {
  const htlcs = [...spec.htlcs];
  let toLocalMsat = spec.toLocalMsat;
  let toRemoteMsat = spec.toRemoteMsat;
  let feeratePerKw = spec.feeratePerKw;
  for (const u of ours) {
    if (u.kind !== 'update_add_htlc') continue;
    toLocalMsat -= u.amountMsat;
    htlcs.push({
      origin: 'local',
      id: u.id,
      amountMsat: u.amountMsat,
      paymentHash: u.paymentHash,
      cltvExpiry: u.cltvExpiry,
    });
  }
  for (const u of theirs) {
    if (u.kind !== 'update_add_htlc') continue;
    toRemoteMsat -= u.amountMsat;
    htlcs.push({
      origin: 'remote',
      id: u.id,
      amountMsat: u.amountMsat,
      paymentHash: u.paymentHash,
      cltvExpiry: u.cltvExpiry,
    });
  }
  for (const u of ours) {
    // Our removals are of the peer's HTLCs: a fulfill pays us, a failure returns the amount.
    if (u.kind === 'update_fulfill_htlc') toLocalMsat += removeHtlc(htlcs, 'remote', u.id).amountMsat;
    else if (u.kind === 'update_fail_htlc' || u.kind === 'update_fail_malformed_htlc')
      toRemoteMsat += removeHtlc(htlcs, 'remote', u.id).amountMsat;
  }
  for (const u of theirs) {
    if (u.kind === 'update_fulfill_htlc') toRemoteMsat += removeHtlc(htlcs, 'local', u.id).amountMsat;
    else if (u.kind === 'update_fail_htlc' || u.kind === 'update_fail_malformed_htlc')
      toLocalMsat += removeHtlc(htlcs, 'local', u.id).amountMsat;
  }
  for (const u of [...ours, ...theirs]) if (u.kind === 'update_fee') feeratePerKw = u.feeratePerKw;
  if (toLocalMsat < 0n || toRemoteMsat < 0n) throw new ChannelInvariantError('a balance went negative');
  return { feeratePerKw, toLocalMsat, toRemoteMsat, htlcs };
}

/** Whether `h` is offered (rather than received) from the point of view of `owner`'s commitment. */
export function isOfferedBy(owner: Owner, h: HtlcEntry): boolean {
  return h.origin === owner;
}

/** The HTLCs of a spec that get an output in `owner`'s commitment (owner's dust limit). */
export function untrimmedHtlcs(
  format: ChannelFormat,
  spec: CommitSpec,
  owner: Owner,
  dustLimitSat: bigint,
  feeratePerKw: number = spec.feeratePerKw,
): HtlcEntry[] {
  return spec.htlcs.filter(
    (h) => !isHtlcTrimmed(format, isOfferedBy(owner, h), h.amountMsat, feeratePerKw, dustLimitSat),
  );
}

/**
 * What the funder pays for `owner`'s commitment, in msat: the base fee for its untrimmed HTLCs
 * plus, with option_anchors, the two anchors. `extraHtlcs` prices hypothetical extra outputs.
 */
export function commitmentCostMsat(
  format: ChannelFormat,
  spec: CommitSpec,
  owner: Owner,
  dustLimitSat: bigint,
  feeratePerKw: number = spec.feeratePerKw,
  extraHtlcs = 0,
): bigint {
  const n = untrimmedHtlcs(format, spec, owner, dustLimitSat, feeratePerKw).length + extraHtlcs;
  const anchors = format === 'anchors' ? 2n * ANCHOR_OUTPUT_SAT : 0n;
  return (commitmentFeeSat(format, feeratePerKw, n) + anchors) * 1000n;
}

/** The value of the HTLCs `owner`'s commitment trims: its dust exposure. */
export function dustExposureMsat(
  format: ChannelFormat,
  spec: CommitSpec,
  owner: Owner,
  dustLimitSat: bigint,
  feeratePerKw: number = spec.feeratePerKw,
): bigint {
  let total = 0n;
  for (const h of spec.htlcs) {
    if (isHtlcTrimmed(format, isOfferedBy(owner, h), h.amountMsat, feeratePerKw, dustLimitSat))
      total += h.amountMsat;
  }
  return total;
}

/** The sum of the HTLCs one side offered. */
export function offeredMsat(spec: CommitSpec, origin: 'local' | 'remote'): bigint {
  return spec.htlcs.reduce((s, h) => (h.origin === origin ? s + h.amountMsat : s), 0n);
}

/** The number of HTLCs one side offered. */
export function offeredCount(spec: CommitSpec, origin: 'local' | 'remote'): number {
  return spec.htlcs.filter((h) => h.origin === origin).length;
}

/** The larger of two bigints (Math.max does not take bigints). */
export function maxBig(a: bigint, b: bigint): bigint {
  return a >= b ? a : b;
}

/** The smaller of two bigints. */
export function minBig(a: bigint, b: bigint): bigint {
  return a <= b ? a : b;
}
