// src/channel/driver-store.ts: how the driver keeps channels in the Store. One transaction per step
// writes the serialized state (versioned), the HTLC rows that changed, the origins of HTLCs we
// added, the onions of incoming HTLCs and the outgoing resolutions the switch has yet to take,
// so that what a message promises is durable before the message leaves.
import { bytesToHex, hexToBytes } from '../crypto/index.js';
import type { ChannelRecord, HtlcRecord, Store, StoreTx } from '../store/index.js';
import type { OutgoingResolution } from './driver-types.js';
import type { HtlcRow, IncomingOnion } from './driver-view.js';
import { deserializeChannel, serializeChannel } from './serialize.js';
import type { ChannelState } from './types.js';

/** The driver's key-value namespaces. */
export const DRIVER_KV = {
  /** `<channel id>/<htlc id>` -> the origin bytes the switch gave with an outgoing HTLC. */
  origins: 'channel-origins',
  /** `<channel id>/<sequence>` -> an outgoing resolution not yet taken by the switch. */
  outbox: 'channel-outbox',
  /** `<channel id>` -> JSON metadata (creation height and time, seed index). */
  meta: 'channel-meta',
  /** `<funding txid>` -> the raw funding transaction we built and will broadcast. */
  funding: 'channel-funding',
  /** Counters: `next-seed-index`. */
  counters: 'channel-driver',
} as const;

/** What the driver stores about a channel beside its state. */
export interface ChannelMeta {
  /** The chain height when the channel was created (rescans for its funding start here). */
  createdHeight: number;
  createdAt: number;
  seedIndex: number;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

/** The stored form of a channel's metadata (JSON). */
export function encodeMeta(m: ChannelMeta): Uint8Array {
  return enc.encode(JSON.stringify(m));
}

/** Reads stored metadata back; undefined when missing or unreadable. */
export function decodeMeta(b: Uint8Array | undefined): ChannelMeta | undefined {
  if (b === undefined) return undefined;
  try {
    const j = JSON.parse(dec.decode(b)) as Partial<ChannelMeta>;
    if (
      typeof j.createdHeight !== 'number' ||
      typeof j.createdAt !== 'number' ||
      typeof j.seedIndex !== 'number'
    )
      return undefined;
    return { createdHeight: j.createdHeight, createdAt: j.createdAt, seedIndex: j.seedIndex };
  } catch {
    return undefined;
  }
}

type OutboxJson =
  | { kind: 'fulfilled'; htlcId: string; paymentHash: string; preimage: string; attribution?: string }
  | { kind: 'failed_onion'; htlcId: string; paymentHash: string; reason: string; attribution?: string }
  | { kind: 'failed_malformed'; htlcId: string; paymentHash: string; sha256OfOnion: string; code: number }
  | { kind: 'closed'; htlcId: string; paymentHash: string; why: string };

/** The stored form of an outgoing resolution waiting in the outbox (JSON, hex bytes). */
export function encodeResolution(r: OutgoingResolution): Uint8Array {
  const base = { htlcId: r.htlcId.toString(), paymentHash: bytesToHex(r.paymentHash) };
  const attribution = (a: Uint8Array | undefined) => (a === undefined ? {} : { attribution: bytesToHex(a) });
  let j: OutboxJson;
  if (r.kind === 'fulfilled')
    j = { kind: 'fulfilled', ...base, preimage: bytesToHex(r.preimage), ...attribution(r.attributionData) };
  else if (r.kind === 'closed') j = { kind: 'closed', ...base, why: r.why };
  else if (r.reason.kind === 'onion')
    j = {
      kind: 'failed_onion',
      ...base,
      reason: bytesToHex(r.reason.reason),
      ...attribution(r.reason.attributionData),
    };
  else
    j = {
      kind: 'failed_malformed',
      ...base,
      sha256OfOnion: bytesToHex(r.reason.sha256OfOnion),
      code: r.reason.failureCode,
    };
  return enc.encode(JSON.stringify(j));
}

/** Reads an outbox entry back; undefined when it does not decode. */
export function decodeResolution(b: Uint8Array): OutgoingResolution | undefined {
  try {
    const j = JSON.parse(dec.decode(b)) as OutboxJson;
    const htlcId = BigInt(j.htlcId);
    const paymentHash = hexToBytes(j.paymentHash);
    const attribution = (a: string | undefined) =>
      a === undefined ? {} : { attributionData: hexToBytes(a) };
    switch (j.kind) {
      case 'fulfilled':
        return {
          kind: 'fulfilled',
          htlcId,
          paymentHash,
          preimage: hexToBytes(j.preimage),
          ...attribution(j.attribution),
        };
      case 'failed_onion':
        return {
          kind: 'failed',
          htlcId,
          paymentHash,
          reason: { kind: 'onion', reason: hexToBytes(j.reason), ...attribution(j.attribution) },
        };
      case 'failed_malformed':
        return {
          kind: 'failed',
          htlcId,
          paymentHash,
          reason: { kind: 'malformed', sha256OfOnion: hexToBytes(j.sha256OfOnion), failureCode: j.code },
        };
      case 'closed':
        return { kind: 'closed', htlcId, paymentHash, why: j.why };
    }
  } catch {
    return undefined;
  }
  return undefined;
}

/** One step's writes for one channel. */
export interface ChannelWriteSet {
  channelId: Uint8Array;
  peerNodeId: Uint8Array;
  state: ChannelState;
  /** The stored version the write expects (0: the channel is new to the Store). */
  expectedVersion: number;
  now: number;
  /** Written with the first version. */
  meta?: ChannelMeta;
  newOrigins: readonly { htlcId: bigint; origin: Uint8Array }[];
  droppedOrigins: readonly bigint[];
  rows: ReadonlyMap<string, HtlcRow>;
  previousRows: ReadonlyMap<string, HtlcRow>;
  onions: ReadonlyMap<bigint, IncomingOnion>;
  outbox: readonly OutgoingResolution[];
}

const htlcKey = (channelHex: string, id: bigint): string => `${channelHex}/${id}`;

function sameRow(a: HtlcRow, b: HtlcRow): boolean {
  return a.state === b.state && (a.preimage === null) === (b.preimage === null);
}

function balances(state: ChannelState): { local: bigint; remote: bigint } {
  const spec = state.localCommit?.spec;
  if (spec !== undefined) return { local: spec.toLocalMsat, remote: spec.toRemoteMsat };
  const funder = state.fundingSat * 1000n - state.pushMsat;
  return state.isFunder
    ? { local: funder, remote: state.pushMsat }
    : { local: state.pushMsat, remote: funder };
}

/**
 * Writes one step in one transaction. Returns the new version and the outbox keys of the
 * resolutions written (to delete once delivered). Throws VersionConflictError if another writer
 * got there first (nothing is written then).
 */
export async function writeChannel(
  store: Store,
  w: ChannelWriteSet,
): Promise<{ version: number; outboxKeys: string[] }> {
  const hex = bytesToHex(w.channelId);
  const outpoint = w.state.fundingOutpoint;
  if (outpoint === undefined) throw new Error('a channel is stored only once its funding outpoint is known');
  const { local, remote } = balances(w.state);
  return store.transaction(async (tx) => {
    const record = await tx.channels.upsert(
      {
        channelId: w.channelId,
        peerNodeId: w.peerNodeId,
        shortChannelId: w.state.shortChannelId ?? null,
        state: w.state.phase,
        fundingTxid: outpoint.txid,
        fundingOutputIndex: outpoint.index,
        capacitySat: w.state.fundingSat,
        localBalanceMsat: local,
        remoteBalanceMsat: remote,
        data: serializeChannel(w.state),
        updatedAt: w.now,
      },
      w.expectedVersion,
    );
    if (w.meta !== undefined) await tx.kv(DRIVER_KV.meta).put(hex, encodeMeta(w.meta));
    const origins = tx.kv(DRIVER_KV.origins);
    for (const o of w.newOrigins) await origins.put(htlcKey(hex, o.htlcId), o.origin);
    for (const id of w.droppedOrigins) await origins.delete(htlcKey(hex, id));
    await writeRows(tx, w, hex);
    const outboxKeys: string[] = [];
    const outbox = tx.kv(DRIVER_KV.outbox);
    for (let i = 0; i < w.outbox.length; i++)
      outboxKeys.push(
        `${hex}/${String(w.now).padStart(15, '0')}-${String(record.version).padStart(9, '0')}-${i}`,
      );
    for (let i = 0; i < w.outbox.length; i++)
      await outbox.put(outboxKeys[i]!, encodeResolution(w.outbox[i]!));
    return { version: record.version, outboxKeys };
  });
}

async function writeRows(tx: StoreTx, w: ChannelWriteSet, _hex: string): Promise<void> {
  for (const [key, row] of w.rows) {
    const before = w.previousRows.get(key);
    if (before !== undefined && sameRow(before, row)) continue;
    const onion = row.direction === 'received' ? (w.onions.get(row.htlcId)?.onion ?? null) : null;
    await tx.htlcs.upsert({
      channelId: w.channelId,
      direction: row.direction,
      htlcId: row.htlcId,
      paymentHash: row.paymentHash,
      amountMsat: row.amountMsat,
      cltvExpiry: row.cltvExpiry,
      state: row.state,
      onion,
      preimage: row.preimage,
      failure: null,
      updatedAt: w.now,
    });
  }
  for (const [key, row] of w.previousRows) {
    if (!w.rows.has(key)) await tx.htlcs.delete(w.channelId, row.direction, row.htlcId);
  }
}

/** A channel as loaded from the Store. */
export interface LoadedChannel {
  record: ChannelRecord;
  state: ChannelState;
  meta: ChannelMeta | undefined;
  origins: Map<bigint, Uint8Array>;
  onions: Map<bigint, IncomingOnion>;
  rows: Map<string, HtlcRow>;
}

/** Loads every stored channel; records that do not decode are returned as `broken`. */
export async function loadChannels(
  store: Store,
): Promise<{ channels: LoadedChannel[]; broken: { channelId: Uint8Array; reason: string }[] }> {
  const channels: LoadedChannel[] = [];
  const broken: { channelId: Uint8Array; reason: string }[] = [];
  const allOrigins = await store.kv(DRIVER_KV.origins).list();
  for (const record of await store.channels.list()) {
    const decoded = deserializeChannel(record.data);
    if (!decoded.ok) {
      broken.push({ channelId: record.channelId, reason: decoded.reason });
      continue;
    }
    const hex = bytesToHex(record.channelId);
    const origins = new Map<bigint, Uint8Array>();
    for (const e of allOrigins) {
      if (!e.key.startsWith(`${hex}/`)) continue;
      origins.set(BigInt(e.key.slice(hex.length + 1)), e.value);
    }
    const onions = new Map<bigint, IncomingOnion>();
    const rows = new Map<string, HtlcRow>();
    for (const h of await store.htlcs.listByChannel(record.channelId)) {
      rows.set(`${h.direction}/${h.htlcId}`, rowOf(h));
      if (h.direction === 'received' && h.onion !== null) onions.set(h.htlcId, { onion: h.onion });
    }
    channels.push({
      record,
      state: decoded.value,
      meta: decodeMeta(await store.kv(DRIVER_KV.meta).get(hex)),
      origins,
      onions,
      rows,
    });
  }
  return { channels, broken };
}

function rowOf(h: HtlcRecord): HtlcRow {
  const state = h.state === 'proposed' || h.state === 'removing' ? h.state : 'committed';
  return {
    direction: h.direction,
    htlcId: h.htlcId,
    paymentHash: h.paymentHash,
    amountMsat: h.amountMsat,
    cltvExpiry: h.cltvExpiry,
    state,
    preimage: h.preimage,
  };
}

/** An outbox entry whose resolution was taken, and the origin to forget with it, if any. */
export interface TakenOutboxEntry {
  key: string;
  dropOrigin: { channelHex: string; htlcId: bigint } | undefined;
}

/**
 * Forgets outbox entries their resolutions were taken from and, when given, the origins of those
 * HTLCs (kept until now although the HTLCs left the channel: see Entry.undelivered), in one
 * transaction.
 */
export async function takeOutboxEntries(store: Store, entries: readonly TakenOutboxEntry[]): Promise<void> {
  await store.transaction(async (tx) => {
    for (const { key, dropOrigin } of entries) {
      await tx.kv(DRIVER_KV.outbox).delete(key);
      if (dropOrigin !== undefined)
        await tx.kv(DRIVER_KV.origins).delete(htlcKey(dropOrigin.channelHex, dropOrigin.htlcId));
    }
  });
}

/** Outgoing resolutions not yet delivered, oldest first, with their keys. */
export async function loadOutbox(
  store: Store,
): Promise<{ key: string; channelHex: string; resolution: OutgoingResolution }[]> {
  const out: { key: string; channelHex: string; resolution: OutgoingResolution }[] = [];
  for (const e of await store.kv(DRIVER_KV.outbox).list()) {
    const r = decodeResolution(e.value);
    if (r !== undefined)
      out.push({ key: e.key, channelHex: e.key.slice(0, e.key.indexOf('/')), resolution: r });
  }
  return out;
}
