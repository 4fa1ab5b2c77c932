// src/channel/dust.ts: the receiving side of BOLT 2's `max_dust_htlc_exposure_msat`. An incoming
// HTLC that would push a commitment's trimmed balance over our limit is not refused on arrival
// (that would fail the channel): it is failed back once it is committed. The sending side is in
// updates.ts (checkOffer, feeUpdateProblem).
import { isHtlcTrimmed } from '../tx/index.js';
import { remoteParams } from './commitments.js';
import { type ChannelPolicy, dustExposureLimitMsat } from './policy.js';
import { isOfferedBy, type Owner } from './spec.js';
import type { ChannelState, HtlcEntry } from './types.js';
import { localProjection } from './updates.js';

/** Why an incoming HTLC must be failed back for dust exposure. */
export interface IncomingDustOverflow {
  /** The commitment whose dust balance it would overflow. */
  owner: Owner;
  /** That commitment's dust balance with this HTLC (msat). */
  balanceMsat: bigint;
  limitMsat: bigint;
  message: string;
}

/**
 * Whether the peer's HTLC `htlcId` (irrevocably committed now) must be failed back because it
 * overflows our dust limit. Call it once, when the HTLC is committed (`htlcAdded`): the answer
 * depends on what else is in flight then. The balance counts our own HTLCs and the peer's that
 * arrived before this one (lower ids), and leaves out HTLCs we are already removing, so that of
 * several dust HTLCs the later ones are failed and the earlier ones kept.
 */
export function incomingDustOverflow(
  state: ChannelState,
  htlcId: bigint,
  policy: ChannelPolicy,
): IncomingDustOverflow | undefined {
  if (state.localCommit === undefined || state.remoteCommit === undefined) return undefined;
  // Every update either side has sent, so our own pending removals no longer count.
  const spec = localProjection(state);
  const htlc = spec.htlcs.find((h) => h.origin === 'remote' && h.id === htlcId);
  if (htlc === undefined) return undefined;
  const earlier = (h: HtlcEntry) => h.origin === 'local' || h.id < htlcId;
  const feerate = spec.feeratePerKw;
  const sides = [
    { owner: 'remote' as const, dustLimitSat: remoteParams(state).dustLimitSat },
    { owner: 'local' as const, dustLimitSat: state.local.dustLimitSat },
  ];
  for (const side of sides) {
    const trimmed = (h: HtlcEntry) =>
      isHtlcTrimmed(state.format, isOfferedBy(side.owner, h), h.amountMsat, feerate, side.dustLimitSat);
    // BOLT 2: "if the HTLC's `amount_msat` is smaller than the remote `dust_limit_satoshis` plus the HTLC-timeout fee at `feerate_per_kw`:"
    // BOLT 2: "if the HTLC's `amount_msat` is smaller than the local `dust_limit_satoshis` plus the HTLC-success fee at `feerate_per_kw`:"
    if (!trimmed(htlc)) continue;
    let balanceMsat = htlc.amountMsat;
    for (const h of spec.htlcs) if (h !== htlc && earlier(h) && trimmed(h)) balanceMsat += h.amountMsat;
    const limitMsat = dustExposureLimitMsat(policy, feerate);
    // BOLT 2: "if the `amount_msat` plus the dust balance of the remote transaction is greater than `max_dust_htlc_exposure_msat`:" ... "SHOULD fail this HTLC once it's committed"
    if (balanceMsat > limitMsat)
      return {
        owner: side.owner,
        balanceMsat,
        limitMsat,
        message: `incoming HTLC ${htlcId} of ${htlc.amountMsat} msat would make the ${side.owner} commitment's dust balance ${balanceMsat} msat, above our limit ${limitMsat} msat`,
      };
  }
  return undefined;
}
