// src/gossip/persist.ts: how gossip lives in the store: raw messages in the kv namespace `gossip`,
// one key per message, written in batches. Losing the last batch in a crash only loses gossip that
// peers will send again, so writes are buffered and flushed together (one transaction, one fsync)
// rather than one per message.
import { bytesToHex, concatBytes } from '../crypto/index.js';
import type { KvEntry } from '../store/index.js';
import type { GossipStore } from './types.js';

export const GOSSIP_NAMESPACE = 'gossip';

const hex64 = (scid: bigint) => scid.toString(16).padStart(16, '0');

/** The keys of each kind of record. */
export const keys = {
  /** An announced channel: {@link encodeChannelRecord}. */
  channel: (scid: bigint) => `c/${hex64(scid)}`,
  /** The latest public channel_update of a direction. */
  update: (scid: bigint, direction: 0 | 1) => `u/${hex64(scid)}/${direction}`,
  /** The latest node_announcement of a node. */
  node: (nodeId: Uint8Array) => `n/${bytesToHex(nodeId)}`,
  /** A channel_update (ours or our peer's) for one of our channels that is not announced. */
  privateUpdate: (scid: bigint, direction: 0 | 1) => `p/${hex64(scid)}/${direction}`,
  /** The announcement_signatures our peer sent for one of our channels. */
  peerAnnouncementSignatures: (scid: bigint) => `a/${hex64(scid)}`,
};

export type RecordKey =
  | { kind: 'channel'; scid: bigint }
  | { kind: 'update'; scid: bigint; direction: 0 | 1 }
  | { kind: 'node' }
  | { kind: 'privateUpdate'; scid: bigint; direction: 0 | 1 }
  | { kind: 'peerAnnouncementSignatures'; scid: bigint };

/** Parses a key written by {@link keys}; undefined for anything else. */
export function parseKey(key: string): RecordKey | undefined {
  const m = /^([cunpa])\/([0-9a-f]+)(?:\/([01]))?$/.exec(key);
  if (m === null) return undefined;
  const [, kind, id, dir] = m;
  if (kind === 'n') return id?.length === 66 && dir === undefined ? { kind: 'node' } : undefined;
  if (id?.length !== 16) return undefined;
  const scid = BigInt(`0x${id}`);
  const direction = dir === '1' ? 1 : 0;
  switch (kind) {
    case 'c':
      return dir === undefined ? { kind: 'channel', scid } : undefined;
    case 'a':
      return dir === undefined ? { kind: 'peerAnnouncementSignatures', scid } : undefined;
    case 'u':
      return dir === undefined ? undefined : { kind: 'update', scid, direction };
    case 'p':
      return dir === undefined ? undefined : { kind: 'privateUpdate', scid, direction };
    default:
      return undefined;
  }
}

const CHANNEL_HEADER = 4 + 1 + 8;

/** receivedAt (u32 seconds), capacity flag (u8), capacity (u64 sat), then the raw announcement. */
export function encodeChannelRecord(
  raw: Uint8Array,
  capacitySat: bigint | undefined,
  receivedAtSec: number,
): Uint8Array {
  const head = new Uint8Array(CHANNEL_HEADER);
  const v = new DataView(head.buffer);
  v.setUint32(0, receivedAtSec >>> 0);
  v.setUint8(4, capacitySat === undefined ? 0 : 1);
  v.setBigUint64(5, capacitySat ?? 0n);
  return concatBytes(head, raw);
}

export function decodeChannelRecord(
  value: Uint8Array,
): { raw: Uint8Array; capacitySat: bigint | undefined; receivedAtSec: number } | undefined {
  if (value.length < CHANNEL_HEADER) return undefined;
  const v = new DataView(value.buffer, value.byteOffset, value.byteLength);
  const flag = v.getUint8(4);
  if (flag > 1) return undefined;
  return {
    receivedAtSec: v.getUint32(0),
    capacitySat: flag === 1 ? v.getBigUint64(5) : undefined,
    raw: value.slice(CHANNEL_HEADER),
  };
}

/** Buffers writes to the gossip namespace and applies them in one transaction per flush. */
export class GossipPersistence {
  private pending = new Map<string, Uint8Array | null>();

  constructor(private readonly store: GossipStore | undefined) {}

  put(key: string, value: Uint8Array): void {
    if (this.store !== undefined) this.pending.set(key, value);
  }

  delete(key: string): void {
    if (this.store !== undefined) this.pending.set(key, null);
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  /** Writes everything buffered so far. */
  async flush(): Promise<void> {
    const store = this.store;
    if (store === undefined || this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    try {
      await store.transaction(async (tx) => {
        const kv = tx.kv(GOSSIP_NAMESPACE);
        for (const [k, v] of batch) {
          if (v === null) await kv.delete(k);
          else await kv.put(k, v);
        }
      });
    } catch (e) {
      // Keep what failed, under anything written since, for the next flush.
      for (const [k, v] of batch) if (!this.pending.has(k)) this.pending.set(k, v);
      throw e;
    }
  }

  /** Every stored gossip record (empty without a store). */
  async loadAll(): Promise<KvEntry[]> {
    return this.store === undefined ? [] : this.store.kv(GOSSIP_NAMESPACE).list();
  }
}
