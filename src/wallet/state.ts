// src/wallet/state.ts: what the wallet remembers, and its stored form (versioned JSON).
import { hashFromHex, hashToHex } from '../chain/index.js';
import { bytesToHex, hexToBytes } from '../crypto/index.js';
import type { AddressBranch } from './keys.js';

export interface CoinRecord {
  txid: Uint8Array;
  vout: number;
  valueSat: bigint;
  branch: AddressBranch;
  index: number;
  coinbase: boolean;
  /** Set while confirmed; cleared if a reorg removes the block. */
  height?: number;
  /** The wallet transaction spending it; `height` once that is confirmed. */
  spentBy?: { txid: Uint8Array; height?: number };
  /** Reserved by an unbroadcast transaction (a channel funding), by that transaction's txid. */
  lockedBy?: string;
}

export interface OwnTx {
  raw: Uint8Array;
  /** Set once confirmed. */
  height?: number;
}

export interface WalletState {
  /** Next unused address index per branch: [receive, change]. */
  next: [number, number];
  /** By outpoint key. */
  coins: Map<string, CoinRecord>;
  /** Transactions this wallet built and broadcast, by display txid. */
  ownTxs: Map<string, OwnTx>;
  /** The last block the wallet processed. */
  syncedHeight?: number;
}

export function emptyState(): WalletState {
  return { next: [0, 0], coins: new Map(), ownTxs: new Map() };
}

const VERSION = 1;

export function encodeState(s: WalletState): Uint8Array {
  const json = {
    version: VERSION,
    next: s.next,
    syncedHeight: s.syncedHeight ?? null,
    coins: [...s.coins.values()].map((c) => ({
      txid: hashToHex(c.txid),
      vout: c.vout,
      valueSat: c.valueSat.toString(),
      branch: c.branch,
      index: c.index,
      coinbase: c.coinbase,
      height: c.height ?? null,
      spentBy: c.spentBy ? { txid: hashToHex(c.spentBy.txid), height: c.spentBy.height ?? null } : null,
      lockedBy: c.lockedBy ?? null,
    })),
    ownTxs: [...s.ownTxs].map(([txid, t]) => ({ txid, raw: bytesToHex(t.raw), height: t.height ?? null })),
  };
  return new TextEncoder().encode(JSON.stringify(json));
}

/** Throws on a damaged record: the wallet's own data failing to parse is a bug or disk corruption. */
export function decodeState(bytes: Uint8Array): WalletState {
  const j = JSON.parse(new TextDecoder().decode(bytes));
  if (j.version !== VERSION)
    throw new Error(`wallet state version ${j.version} is not supported (expected ${VERSION})`);
  const s = emptyState();
  s.next = [Number(j.next[0]), Number(j.next[1])];
  if (j.syncedHeight !== null) s.syncedHeight = Number(j.syncedHeight);
  for (const c of j.coins) {
    const rec: CoinRecord = {
      txid: hashFromHex(c.txid),
      vout: c.vout,
      valueSat: BigInt(c.valueSat),
      branch: c.branch,
      index: c.index,
      coinbase: c.coinbase,
    };
    if (c.height !== null) rec.height = c.height;
    if (c.spentBy !== null) {
      rec.spentBy = { txid: hashFromHex(c.spentBy.txid) };
      if (c.spentBy.height !== null) rec.spentBy.height = c.spentBy.height;
    }
    if (c.lockedBy !== null) rec.lockedBy = c.lockedBy;
    s.coins.set(`${c.txid}:${c.vout}`, rec);
  }
  for (const t of j.ownTxs) {
    const own: OwnTx = { raw: hexToBytes(t.raw) };
    if (t.height !== null) own.height = t.height;
    s.ownTxs.set(t.txid, own);
  }
  return s;
}
