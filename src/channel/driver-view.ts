// src/channel/driver-view.ts: what the driver reads off a channel state (pure): usability,
// spendable and receivable amounts, the incoming HTLCs still owed a resolution, and every HTLC the
// state still knows (for the Store's htlc rows and the outgoing HTLCs' origins).
import type { HtlcDirection } from '../store/index.js';
import type { CommittedIncomingHtlc } from './driver-types.js';
import { commitmentCostMsat, maxBig, minBig, offeredCount, offeredMsat, reduceSpec } from './spec.js';
import type { ChannelState, CommitSpec, HtlcEntry, UpdateMessage } from './types.js';

/** Open, reestablished and not shutting down: an HTLC can be added now. */
export function isUsable(state: ChannelState): boolean {
  return (
    state.phase === 'normal' &&
    state.connection === 'active' &&
    state.localShutdown === undefined &&
    state.remoteShutdown === undefined &&
    state.shutdownQueued === undefined
  );
}

/** The peer's next commitment once our unsigned updates are in it. */
function remoteNextView(state: ChannelState): CommitSpec | undefined {
  const base = state.remoteNextCommit?.commit.spec ?? state.remoteCommit?.spec;
  if (base === undefined) return undefined;
  return reduceSpec(base, state.localChanges.proposed, state.remoteChanges.acked);
}

/**
 * What one more HTLC of ours may carry now: our balance in the peer's next commitment, less the
 * reserve the peer asked of us and (as funder) the commitment fee at twice the feerate with two
 * more HTLC outputs (the fee spike buffer the machine enforces), within the peer's limits.
 */
export function spendableMsat(state: ChannelState): bigint {
  const remote = state.remote;
  const spec = remoteNextView(state);
  if (remote === undefined || spec === undefined || state.localCommit === undefined) return 0n;
  if (offeredCount(spec, 'local') >= remote.maxAcceptedHtlcs) return 0n;
  let available = spec.toLocalMsat - remote.channelReserveSat * 1000n;
  if (state.isFunder) {
    const spike = commitmentCostMsat(
      state.format,
      spec,
      'remote',
      remote.dustLimitSat,
      spec.feeratePerKw * 2,
      2,
    );
    available -= spike;
  }
  available = minBig(available, remote.maxHtlcValueInFlightMsat - offeredMsat(spec, 'local'));
  return maxBig(available, 0n);
}

/** What the peer could send us now: its balance less the reserve we asked of it (and its fees). */
export function receivableMsat(state: ChannelState): bigint {
  const spec = state.localCommit?.spec;
  if (spec === undefined || state.remote === undefined) return 0n;
  let available = spec.toRemoteMsat - state.local.channelReserveSat * 1000n;
  if (!state.isFunder)
    available -= commitmentCostMsat(
      state.format,
      spec,
      'local',
      state.local.dustLimitSat,
      spec.feeratePerKw,
      1,
    );
  return maxBig(available, 0n);
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

/** The onion (and blinded path key) an incoming HTLC arrived with. */
export interface IncomingOnion {
  onion: Uint8Array;
  pathKey?: Uint8Array;
}

/** The peer's update_add_htlc messages still in the machine's update logs, by HTLC id. */
export function onionsInLogs(state: ChannelState): Map<bigint, IncomingOnion> {
  const out = new Map<bigint, IncomingOnion>();
  const r = state.remoteChanges;
  for (const u of [...r.proposed, ...r.acked, ...r.signed]) {
    if (u.kind !== 'update_add_htlc') continue;
    const pathKey = u.tlvs?.blindedPath;
    out.set(u.id, { onion: u.onionRoutingPacket, ...(pathKey !== undefined ? { pathKey } : {}) });
  }
  return out;
}

/**
 * The peer's HTLCs in both current commitments (irrevocably committed) that we have not begun to
 * remove: each still needs a resolution from the switch. The machine drops an update_add_htlc
 * from its logs once it is committed, so the driver keeps the onions (`onions`).
 */
export function unresolvedIncoming(
  state: ChannelState,
  onions: ReadonlyMap<bigint, IncomingOnion>,
): CommittedIncomingHtlc[] {
  const local = state.localCommit?.spec.htlcs ?? [];
  const remote = state.remoteCommit?.spec.htlcs ?? [];
  const c = state.localChanges;
  const ours = [...c.proposed, ...c.signed, ...c.acked];
  const out: CommittedIncomingHtlc[] = [];
  for (const h of local) {
    if (h.origin !== 'remote') continue;
    if (!remote.some((r) => r.origin === 'remote' && r.id === h.id)) continue;
    if (removes(ours, h.id)) continue;
    const o = onions.get(h.id);
    if (o === undefined) continue;
    out.push({
      htlcId: h.id,
      amountMsat: h.amountMsat,
      paymentHash: h.paymentHash,
      cltvExpiry: h.cltvExpiry,
      onionRoutingPacket: o.onion,
      ...(o.pathKey !== undefined ? { pathKey: o.pathKey } : {}),
    });
  }
  return out;
}

/** One HTLC the state still knows, for the Store's htlc rows. */
export interface HtlcRow {
  direction: HtlcDirection;
  htlcId: bigint;
  paymentHash: Uint8Array;
  amountMsat: bigint;
  cltvExpiry: number;
  /** proposed: not yet in a commitment; committed; removing: a fulfill or fail is under way. */
  state: 'proposed' | 'committed' | 'removing';
  preimage: Uint8Array | null;
}

/** Every HTLC in any commitment or update log of the state, keyed `offered/3`, `received/7`. */
export function htlcRows(state: ChannelState): Map<string, HtlcRow> {
  const rows = new Map<string, HtlcRow>();
  const add = (h: HtlcEntry, rowState: HtlcRow['state']) => {
    const direction: HtlcDirection = h.origin === 'local' ? 'offered' : 'received';
    const key = `${direction}/${h.id}`;
    if (rows.has(key) && rowState === 'proposed') return;
    rows.set(key, {
      direction,
      htlcId: h.id,
      paymentHash: h.paymentHash,
      amountMsat: h.amountMsat,
      cltvExpiry: h.cltvExpiry,
      state: rowState,
      preimage: null,
    });
  };
  const specs = [state.localCommit?.spec, state.remoteCommit?.spec, state.remoteNextCommit?.commit.spec];
  for (const spec of specs) for (const h of spec?.htlcs ?? []) add(h, 'committed');
  const logs: [readonly UpdateMessage[], 'local' | 'remote'][] = [
    [state.localChanges.proposed, 'local'],
    [state.localChanges.signed, 'local'],
    [state.localChanges.acked, 'local'],
    [state.remoteChanges.proposed, 'remote'],
    [state.remoteChanges.acked, 'remote'],
    [state.remoteChanges.signed, 'remote'],
  ];
  for (const [log, origin] of logs) {
    for (const u of log) {
      if (u.kind !== 'update_add_htlc') continue;
      add(
        { origin, id: u.id, amountMsat: u.amountMsat, paymentHash: u.paymentHash, cltvExpiry: u.cltvExpiry },
        'proposed',
      );
    }
  }
  for (const [log, removedOrigin] of logs.map(([l, o]) => [l, o === 'local' ? 'remote' : 'local'] as const)) {
    for (const u of log) {
      if (u.kind === 'update_add_htlc' || u.kind === 'update_fee') continue;
      const key = `${removedOrigin === 'local' ? 'offered' : 'received'}/${u.id}`;
      const row = rows.get(key);
      if (row === undefined) continue;
      row.state = 'removing';
      if (u.kind === 'update_fulfill_htlc') row.preimage = u.paymentPreimage;
    }
  }
  return rows;
}

/** Our outgoing HTLC ids the state still knows (their origins must be kept). */
export function knownOutgoingIds(state: ChannelState): Set<bigint> {
  const ids = new Set<bigint>();
  for (const row of htlcRows(state).values()) if (row.direction === 'offered') ids.add(row.htlcId);
  return ids;
}

/** Outgoing HTLCs that never made it into a commitment: lost when the channel closes. */
export function unsignedOutgoing(state: ChannelState): { htlcId: bigint; paymentHash: Uint8Array }[] {
  const committed = new Set<bigint>();
  for (const spec of [state.localCommit?.spec, state.remoteCommit?.spec, state.remoteNextCommit?.commit.spec])
    for (const h of spec?.htlcs ?? []) if (h.origin === 'local') committed.add(h.id);
  const out: { htlcId: bigint; paymentHash: Uint8Array }[] = [];
  for (const u of [...state.localChanges.proposed, ...state.localChanges.signed])
    if (u.kind === 'update_add_htlc' && !committed.has(u.id))
      out.push({ htlcId: u.id, paymentHash: u.paymentHash });
  return out;
}
