// src/chain/funding-lookup.ts: finds the output a BOLT 7 short_channel_id points at, for gossip's
// check of channel_announcement funding outputs. Defined here structurally (chain sits below gossip
// in the module order and does not import it); the node hands it to the Gossiper.
//
// The block comes from any ChainBackend; whether the output is spent is backend-specific:
// Esplora's outspend, bitcoind's gettxout (the UTXO set: no txindex needed), the in-process
// devnet's own index. A backend with none of these cannot tell: its outputs are reported unspent
// (a lookup that rejected every announcement would be worse than none), see `createFundingLookup`.
// Only confirmed spends count: a mempool spend may never confirm.
import { BitcoindClient } from './bitcoind.js';
import { decodeBlock } from './block.js';
import { EsploraClient } from './esplora.js';
import { hashToHex } from './ids.js';
import { parseTx, type RawTxObject } from './tx.js';
import type { ChainBackend, OutPoint } from './types.js';

/** The answer of a funding lookup (gossip's `FundingOutputLookup` shape). */
export type FundingOutputResult = { scriptPubKey: Uint8Array; valueSat: bigint } | 'spent' | 'unknown';

export interface FundingLookupOptions {
  /** Confirmations the output needs (the block holding it counts as 1). Default 6, as BOLT 7 asks. */
  minConfirmations?: number;
  /**
   * A cheap tip height the caller already tracks (the node's ChainWatcher). When it is missing or
   * too low for the output, the backend's tip is asked before answering 'unknown'.
   */
  tipHeight?: () => number | undefined;
  /** Short channel ids remembered (found outputs, permanent answers). Default 10 000. */
  cacheSize?: number;
  /** Blocks whose transaction lists are kept (announcements often share a block). Default 4. */
  blockCacheSize?: number;
}

/** The three parts of a short_channel_id (BOLT 7: block height, transaction index, output index). */
export function splitShortChannelId(scid: bigint): { height: number; txIndex: number; outputIndex: number } {
  return {
    height: Number((scid >> 40n) & 0xffffffn),
    txIndex: Number((scid >> 16n) & 0xffffffn),
    outputIndex: Number(scid & 0xffffn),
  };
}

/** A small least-recently-used map (Map keeps insertion order; a hit re-inserts). */
class Lru<K, V> {
  private readonly map = new Map<K, V>();
  constructor(private readonly max: number) {}
  get(key: K): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }
  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    while (this.map.size > this.max) this.map.delete(this.map.keys().next().value as K);
  }
}

/** Where a short channel id led: an output, or nothing there (a permanent answer once deep). */
type Located =
  | { kind: 'output'; outpoint: OutPoint; scriptPubKey: Uint8Array; valueSat: bigint }
  | { kind: 'missing' }
  | { kind: 'spent'; outpoint: OutPoint };

/** Answers "is this output spent?"; undefined when the backend cannot tell. */
type SpentCheck = (outpoint: OutPoint) => Promise<boolean | undefined>;

/** Reads the transaction at a position in a block. */
type TxAt = (
  blockHash: Uint8Array,
  index: number,
) => Promise<{ txid: Uint8Array; tx: RawTxObject } | undefined>;

/** A funding-output lookup over a chain backend; `getOutput` fits gossip's `FundingOutputLookup`. */
export interface FundingLookup {
  getOutput(shortChannelId: bigint): Promise<FundingOutputResult>;
  /**
   * The outpoint a short channel id names (spent or not), for watching it; undefined where
   * `getOutput` would answer 'unknown'.
   */
  getOutpoint(shortChannelId: bigint): Promise<OutPoint | undefined>;
}

/**
 * Builds a funding lookup over `backend`. 'unknown' means: no block at that height, no transaction
 * or output at that index, or fewer than `minConfirmations` confirmations. Backend failures throw
 * (gossip then ignores the announcement; it will come again). Found outputs and permanent answers
 * (missing in a deep block, spent) are cached per short channel id; an unspent output's spent
 * status is asked again on every call. Spent status by backend: `EsploraClient` outspend,
 * `BitcoindClient` `gettxout` (null for an output known to exist means spent), the devnet backend's
 * own index; any other backend cannot tell and its outputs count as unspent.
 */
export function createFundingLookup(backend: ChainBackend, opts: FundingLookupOptions = {}): FundingLookup {
  const minConf = opts.minConfirmations ?? 6;
  const cache = new Lru<bigint, Located>(opts.cacheSize ?? 10_000);
  const txAt = txReader(backend, opts.blockCacheSize ?? 4);
  const isSpent = spentCheck(backend);

  const deepEnough = async (height: number): Promise<boolean> => {
    const need = height + minConf - 1;
    const known = opts.tipHeight?.();
    if (known !== undefined && known >= need) return true;
    return (await backend.getTip()).height >= need;
  };

  const locate = async (scid: bigint): Promise<Located | 'shallow'> => {
    const { height, txIndex, outputIndex } = splitShortChannelId(scid);
    const hash = await backend.getBlockHash(height);
    if (hash === undefined) return 'shallow'; // above the tip: may appear later
    if (!(await deepEnough(height))) return 'shallow';
    const found = await txAt(hash, txIndex);
    const out = found?.tx.outputs[outputIndex];
    if (found === undefined || out === undefined || out.amount === undefined || out.script === undefined) {
      return { kind: 'missing' };
    }
    return {
      kind: 'output',
      outpoint: { txid: found.txid, vout: outputIndex },
      scriptPubKey: Uint8Array.from(out.script),
      valueSat: out.amount,
    };
  };

  const located = async (scid: bigint): Promise<Located | undefined> => {
    let loc = cache.get(scid);
    if (loc === undefined) {
      const l = await locate(scid);
      if (l === 'shallow') return undefined;
      loc = l;
      cache.set(scid, loc);
    }
    return loc;
  };

  return {
    async getOutpoint(scid: bigint): Promise<OutPoint | undefined> {
      const loc = await located(scid);
      return loc === undefined || loc.kind === 'missing' ? undefined : loc.outpoint;
    },
    async getOutput(scid: bigint): Promise<FundingOutputResult> {
      const loc = await located(scid);
      if (loc === undefined || loc.kind === 'missing') return 'unknown';
      if (loc.kind === 'spent') return 'spent';
      if ((await isSpent(loc.outpoint)) === true) {
        cache.set(scid, { kind: 'spent', outpoint: loc.outpoint });
        return 'spent';
      }
      return { scriptPubKey: loc.scriptPubKey, valueSat: loc.valueSat };
    },
  };
}

/** Esplora lists a block's txids and serves one transaction; others hand over the whole block. */
function txReader(backend: ChainBackend, blockCacheSize: number): TxAt {
  if (backend instanceof EsploraClient) {
    const txids = new Lru<string, Uint8Array[] | null>(blockCacheSize);
    return async (blockHash, index) => {
      const key = hashToHex(blockHash);
      let list = txids.get(key);
      if (list === undefined) {
        list = (await backend.getBlockTxids(blockHash)) ?? null;
        txids.set(key, list);
      }
      const txid = list?.[index];
      if (txid === undefined) return undefined;
      const raw = await backend.getTxHex(txid);
      return raw === undefined ? undefined : { txid, tx: parseTx(raw).tx };
    };
  }
  const blocks = new Lru<string, { txid: Uint8Array; tx: RawTxObject }[] | null>(blockCacheSize);
  return async (blockHash, index) => {
    const key = hashToHex(blockHash);
    let txs = blocks.get(key);
    if (txs === undefined) {
      const raw = await backend.getBlock(blockHash);
      txs = raw === undefined ? null : decodeBlock(raw).txs.map((t) => ({ txid: t.txid, tx: t.tx }));
      blocks.set(key, txs);
    }
    return txs?.[index];
  };
}

/** The in-process devnet backend, recognized by shape (chain core does not import ./devnet). */
interface DevnetLike {
  devnet: { outspend(txid: Uint8Array, vout: number): unknown };
}

function spentCheck(backend: ChainBackend): SpentCheck {
  if (backend instanceof EsploraClient) {
    return async (o) => {
      const s = await backend.getOutspend(o);
      return s.spent && s.status.confirmed;
    };
  }
  if (backend instanceof BitcoindClient) {
    // gettxout reads the UTXO set (no txindex needed); false: ignore the mempool.
    return async (o) =>
      (await backend.call<unknown>('gettxout', [hashToHex(o.txid), o.vout, false])) === null;
  }
  const d = (backend as Partial<DevnetLike>).devnet;
  if (typeof d?.outspend === 'function') {
    return async (o) => {
      const s = d.outspend(o.txid, o.vout) as { height?: number } | undefined;
      return s?.height !== undefined;
    };
  }
  return async () => undefined;
}
