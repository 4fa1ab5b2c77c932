// src/chain/devnet/devnet.ts: a regtest-like chain in memory: UTXO set, mempool, mining on
// request, reorgs for tests, a faucet, and an append-only block file.
//
// Synchronous and single-threaded on purpose: every method leaves the chain consistent, so the
// HTTP server and in-process users can call it without locks. Time comes from `clock`.
import { bytesToHex, equalBytes, publicKeyCreate, sha256 } from '../../crypto/index.js';
import { addressToScript, type Network } from '../address.js';
import { type BlockHeader, decodeBlock } from '../block.js';
import { hashFromHex, hashToHex, outpointKey } from '../ids.js';
import { p2wpkhScript } from '../p2wpkh.js';
import { inputOutpoint, isCoinbase, type ParsedTx, parseTx, txWeight } from '../tx.js';
import type { BlockLog } from './block-log.js';
import { FileBlockLog } from './block-log.js';
import { buildFaucetTx } from './faucet.js';
import { mineBlock } from './mining.js';
import {
  blockSubsidy,
  DEFAULT_COINBASE_MATURITY,
  FAUCET_PRIVATE_KEY,
  regtestGenesisBlock,
} from './params.js';
import { verifyDevnetInput } from './script-verifier.js';
import { type Coin, checkTransaction, type InputVerifier, type TxRejectCode } from './validate.js';

export interface DevnetOptions {
  /** Persist blocks here (created if missing, replayed if present). Default: memory only. */
  dataFile?: string;
  /** Or any BlockLog (tests). Ignored when `dataFile` is set. */
  blockLog?: BlockLog;
  /** Confirmations before a coinbase output may be spent. Default 100, like Bitcoin. */
  coinbaseMaturity?: number;
  /** Milliseconds since the epoch; block times derive from it. Default Date.now. */
  clock?: () => number;
  /** Script and signature check per input. Default: src/tx/script-check.ts (P2WPKH, P2WSH). */
  verifyInput?: InputVerifier;
  /**
   * The fee rate served as the estimate for every target (and paid by the faucet). Default 1000
   * sat/kw (4 sat/vB); `setFeeRate` changes it at run time.
   */
  feeRateSatPerKw?: bigint;
}

/** A coin with its place, as the UTXO set and the Esplora views need it. */
export interface DevnetCoin extends Coin {
  key: string;
  txidHex: string;
  vout: number;
  /** Esplora scripthash (sha256 of the script, hex). */
  scripthash: string;
}

interface StoredBlock {
  height: number;
  hash: Uint8Array;
  hashHex: string;
  header: BlockHeader;
  headerBytes: Uint8Array;
  raw: Uint8Array;
  txs: ParsedTx[];
  /** Coins this block spent, to restore them if it is disconnected. */
  undo: DevnetCoin[];
}

export interface MempoolEntry {
  ptx: ParsedTx;
  txidHex: string;
  feeSat: bigint;
  weight: number;
  /** Unix seconds when accepted. */
  time: number;
}

export type SubmitResult =
  | { ok: true; txid: Uint8Array }
  | { ok: false; code: TxRejectCode | 'decode' | 'already-confirmed'; message: string };

/** Where a transaction is. */
export type TxLocation =
  | {
      ptx: ParsedTx;
      confirmed: true;
      height: number;
      blockHash: Uint8Array;
      blockTime: number;
      index: number;
    }
  | { ptx: ParsedTx; confirmed: false; feeSat: bigint };

export interface ReorgOptions {
  /** Blocks mined on the new branch. Default `depth`, so the tip height stays the same. */
  newBlocks?: number;
  /** Mine the disconnected transactions into the new branch (default: leave them in the mempool). */
  mineTxs?: boolean;
  /** Forget the disconnected transactions instead (as if they were double-spent away). */
  dropTxs?: boolean;
}

/** Thrown for requests that make no sense (bad arguments), never for transactions: those get a SubmitResult. */
export class DevnetError extends Error {
  override name = 'DevnetError';
}

export const DEVNET_NETWORK: Network = 'regtest';

/** The highest fee estimate the devnet serves: 1,000,000 sat/kw (4,000 sat/vB). */
export const MAX_DEVNET_FEE_RATE_SAT_PER_KW = 1_000_000n;

function checkFeeRate(satPerKw: bigint): bigint {
  if (satPerKw < 1n || satPerKw > MAX_DEVNET_FEE_RATE_SAT_PER_KW)
    throw new DevnetError(`fee rate must be 1..${MAX_DEVNET_FEE_RATE_SAT_PER_KW} sat/kw, got ${satPerKw}`);
  return satPerKw;
}

export class Devnet {
  private readonly blocks: StoredBlock[] = [];
  private readonly byHash = new Map<string, StoredBlock>();
  private readonly utxos = new Map<string, DevnetCoin>();
  private readonly txIndex = new Map<string, { height: number; index: number }>();
  private readonly spentBy = new Map<string, { txidHex: string; vin: number; height: number }>();
  private readonly scriptTxs = new Map<string, Set<string>>();
  private mempool = new Map<string, MempoolEntry>();
  private mempoolSpends = new Map<string, { txidHex: string; vin: number }>();
  private readonly log: BlockLog | undefined;
  private readonly clock: () => number;
  private readonly verifyInput: InputVerifier;
  readonly coinbaseMaturity: number;
  private feeRate: bigint;
  readonly faucetScript: Uint8Array;
  private readonly faucetPublicKey: Uint8Array;
  private extraNonce = 0;

  constructor(opts: DevnetOptions = {}) {
    this.clock = opts.clock ?? Date.now;
    this.verifyInput = opts.verifyInput ?? verifyDevnetInput;
    this.coinbaseMaturity = opts.coinbaseMaturity ?? DEFAULT_COINBASE_MATURITY;
    this.feeRate = checkFeeRate(opts.feeRateSatPerKw ?? 1000n);
    this.faucetPublicKey = publicKeyCreate(FAUCET_PRIVATE_KEY);
    this.faucetScript = p2wpkhScript(this.faucetPublicKey);
    this.log = opts.dataFile !== undefined ? new FileBlockLog(opts.dataFile) : opts.blockLog;
    this.connect(regtestGenesisBlock(), false);
    for (const raw of this.log?.load() ?? []) this.connect(raw, false);
    this.extraNonce = this.blocks.length;
  }

  // ---------- reading ----------

  /** The fee rate served as every target's estimate (sat/kw). */
  get feeRateSatPerKw(): bigint {
    return this.feeRate;
  }

  /**
   * Changes the fee estimate the devnet serves from now on (what a fee spike or a quiet mempool
   * looks like to the nodes), in sat/kw; at least 1. Throws DevnetError otherwise.
   */
  setFeeRate(satPerKw: bigint): void {
    this.feeRate = checkFeeRate(satPerKw);
  }

  get tipHeight(): number {
    return this.blocks.length - 1;
  }

  get tipHash(): Uint8Array {
    return this.blocks[this.blocks.length - 1]!.hash;
  }

  /** Internal-order hash of the block at `height`, or undefined above the tip. */
  blockHashAt(height: number): Uint8Array | undefined {
    return this.blocks[height]?.hash;
  }

  block(hash: Uint8Array): StoredBlock | undefined {
    return this.byHash.get(hashToHex(hash));
  }

  /** Median of the last 11 block times up to `height` (BIP 113). */
  medianTimePast(height: number): number {
    const times: number[] = [];
    for (let h = Math.max(0, height - 10); h <= height; h++) times.push(this.blocks[h]!.header.time);
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)]!;
  }

  getTx(txid: Uint8Array): TxLocation | undefined {
    const txidHex = hashToHex(txid);
    const m = this.mempool.get(txidHex);
    if (m !== undefined) return { ptx: m.ptx, confirmed: false, feeSat: m.feeSat };
    const at = this.txIndex.get(txidHex);
    if (at === undefined) return undefined;
    const b = this.blocks[at.height]!;
    return {
      ptx: b.txs[at.index]!,
      confirmed: true,
      height: at.height,
      blockHash: b.hash,
      blockTime: b.header.time,
      index: at.index,
    };
  }

  /** Who spends an output: a confirmed transaction, a mempool one, or nobody. */
  outspend(txid: Uint8Array, vout: number): { txid: Uint8Array; vin: number; height?: number } | undefined {
    const key = `${hashToHex(txid)}:${vout}`;
    const c = this.spentBy.get(key);
    if (c !== undefined) return { txid: hashFromHex(c.txidHex), vin: c.vin, height: c.height };
    const m = this.mempoolSpends.get(key);
    return m === undefined ? undefined : { txid: hashFromHex(m.txidHex), vin: m.vin };
  }

  /** Unspent outputs paying a scripthash, confirmed and in the mempool, minus those the mempool spends. */
  utxosByScripthash(scripthash: string): (DevnetCoin & { confirmed: boolean })[] {
    const out: (DevnetCoin & { confirmed: boolean })[] = [];
    for (const c of this.utxos.values()) {
      if (c.scripthash === scripthash && !this.mempoolSpends.has(c.key)) out.push({ ...c, confirmed: true });
    }
    for (const c of this.mempoolCoins())
      if (c.scripthash === scripthash) out.push({ ...c, confirmed: false });
    return out;
  }

  /** Transactions paying or spending a scripthash: mempool ones first, then confirmed, newest first. */
  txsByScripthash(scripthash: string): TxLocation[] {
    const out: TxLocation[] = [];
    for (const m of [...this.mempool.values()].reverse()) {
      const touches =
        m.ptx.tx.outputs.some((o) => bytesToHex(sha256(o.script)) === scripthash) ||
        m.ptx.tx.inputs.some(
          (_, i) => this.coinFor(outpointKey(inputOutpoint(m.ptx.tx, i)))?.scripthash === scripthash,
        );
      if (touches) out.push({ ptx: m.ptx, confirmed: false, feeSat: m.feeSat });
    }
    const confirmed = [...(this.scriptTxs.get(scripthash) ?? [])]
      .map((t) => ({ t, at: this.txIndex.get(t)! }))
      .sort((a, b) => b.at.height - a.at.height || b.at.index - a.at.index);
    for (const { t } of confirmed) out.push(this.getTx(hashFromHex(t))!);
    return out;
  }

  mempoolTxids(): Uint8Array[] {
    return [...this.mempool.values()].map((m) => m.ptx.txid);
  }

  // ---------- writing ----------

  /** Validates a transaction against the chain and mempool and, if it passes, adds it to the mempool. */
  submitTx(raw: Uint8Array): SubmitResult {
    let ptx: ParsedTx;
    try {
      ptx = parseTx(raw);
    } catch (e) {
      return { ok: false, code: 'decode', message: (e as Error).message };
    }
    const txidHex = hashToHex(ptx.txid);
    if (this.mempool.has(txidHex)) return { ok: true, txid: ptx.txid };
    if (this.txIndex.has(txidHex)) {
      return {
        ok: false,
        code: 'already-confirmed',
        message: `transaction ${txidHex} is already in the chain`,
      };
    }
    const next = this.tipHeight + 1;
    const check = checkTransaction(ptx, {
      coin: (key) => this.coinFor(key),
      mempoolSpender: (key) => this.mempoolSpends.get(key)?.txidHex,
      nextHeight: next,
      tipMedianTimePast: this.medianTimePast(this.tipHeight),
      medianTimePastAt: (h) => this.medianTimePast(Math.min(h, this.tipHeight)),
      coinbaseMaturity: this.coinbaseMaturity,
      verifyInput: this.verifyInput,
    });
    if (!check.ok) return check;
    this.mempool.set(txidHex, {
      ptx,
      txidHex,
      feeSat: check.feeSat,
      weight: txWeight(ptx.tx),
      time: Math.floor(this.clock() / 1000),
    });
    ptx.tx.inputs.forEach((_, vin) => {
      this.mempoolSpends.set(outpointKey(inputOutpoint(ptx.tx, vin)), { txidHex, vin });
    });
    return { ok: true, txid: ptx.txid };
  }

  /**
   * Mines `count` blocks paying `payoutScript` (default: the faucet). The first takes every
   * mempool transaction unless `includeMempool` is false. Returns the new block hashes.
   */
  mine(
    count: number,
    opts: { payoutScript?: Uint8Array; includeMempool?: boolean; minTime?: number } = {},
  ): Uint8Array[] {
    if (!Number.isInteger(count) || count < 0 || count > 10_000)
      throw new DevnetError(`cannot mine ${count} blocks`);
    const hashes: Uint8Array[] = [];
    for (let i = 0; i < count; i++) {
      const tip = this.blocks[this.blocks.length - 1]!;
      const entries = opts.includeMempool === false ? [] : [...this.mempool.values()];
      let time = Math.max(Math.floor(this.clock() / 1000), this.medianTimePast(tip.height) + 1);
      if (i === 0 && opts.minTime !== undefined) time = Math.max(time, opts.minTime);
      const mined = mineBlock({
        height: tip.height + 1,
        prevBlockHash: tip.hash,
        time,
        payoutScript: opts.payoutScript ?? this.faucetScript,
        subsidySat: blockSubsidy(tip.height + 1),
        txs: entries.map((e) => e.ptx),
        feesSat: entries.reduce((s, e) => s + e.feeSat, 0n),
        extraNonce: this.extraNonce++,
      });
      this.connect(mined.raw, true);
      hashes.push(mined.hash);
    }
    return hashes;
  }

  /** Mines to an address (regtest encoding). */
  mineToAddress(count: number, address: string): Uint8Array[] {
    const r = addressToScript(address, DEVNET_NETWORK);
    if (!r.ok) throw new DevnetError(r.reason);
    return this.mine(count, { payoutScript: r.script });
  }

  /**
   * Replaces the last `depth` blocks with a new branch. Transactions from the removed blocks
   * go back to the mempool (or are mined again, or dropped); any that no longer validate, and
   * their descendants, are dropped, as a node would after a reorg.
   */
  reorg(depth: number, opts: ReorgOptions = {}): { disconnected: Uint8Array[]; connected: Uint8Array[] } {
    if (!Number.isInteger(depth) || depth < 1 || depth > this.tipHeight) {
      throw new DevnetError(
        `reorg depth must be between 1 and the tip height ${this.tipHeight}, got ${depth}`,
      );
    }
    const replacedTime = this.blocks[this.tipHeight - depth + 1]!.header.time;
    const disconnected: Uint8Array[] = [];
    const returning: Uint8Array[][] = [];
    for (let i = 0; i < depth; i++) {
      const b = this.disconnectTip();
      disconnected.push(b.hash);
      returning.unshift(b.txs.filter((t) => !isCoinbase(t.tx)).map((t) => t.raw));
    }
    const old = [...this.mempool.values()].map((m) => m.ptx.raw);
    this.mempool = new Map();
    this.mempoolSpends = new Map();
    for (const raw of [...(opts.dropTxs ? [] : returning.flat()), ...old]) this.submitTx(raw);
    // The first new block gets a later time than the one it replaces, so its hash differs even if empty.
    const connected = this.mine(opts.newBlocks ?? depth, {
      includeMempool: opts.mineTxs === true,
      minTime: replacedTime + 1,
    });
    this.log?.rewrite(this.blocks.slice(1).map((b) => b.raw));
    return { disconnected, connected };
  }

  /**
   * Pays `amountSat` to `address` (or an output script) from the faucet's coinbase coins,
   * mining mature coins first if it has none. Mines one block after unless `mine` is false.
   */
  faucet(destination: string | Uint8Array, amountSat: bigint, opts: { mine?: boolean } = {}): Uint8Array {
    let script: Uint8Array;
    if (typeof destination === 'string') {
      const r = addressToScript(destination, DEVNET_NETWORK);
      if (!r.ok) throw new DevnetError(r.reason);
      script = r.script;
    } else script = destination;
    if (amountSat <= 0n) throw new DevnetError(`faucet amount must be positive, got ${amountSat}`);
    for (let tries = 0; ; tries++) {
      const tx = buildFaucetTx({
        coins: this.faucetCoins(),
        destination: script,
        amountSat,
        feeRateSatPerKw: this.feeRateSatPerKw,
        privateKey: FAUCET_PRIVATE_KEY,
        publicKey: this.faucetPublicKey,
        changeScript: this.faucetScript,
      });
      if (tx !== undefined) {
        const r = this.submitTx(tx);
        if (!r.ok) throw new DevnetError(`faucet transaction refused: ${r.message}`);
        if (opts.mine !== false) this.mine(1);
        return r.txid;
      }
      if (tries > this.coinbaseMaturity + 1000)
        throw new DevnetError(`the faucet cannot pay ${amountSat} sat`);
      this.mine(1);
    }
  }

  /** Stops writing the block file. */
  close(): void {
    this.log?.close();
  }

  // ---------- internals ----------

  /** A confirmed coin or a mempool output, as the next block would see it. */
  private coinFor(key: string): DevnetCoin | undefined {
    const c = this.utxos.get(key);
    if (c !== undefined) return c;
    const i = key.lastIndexOf(':');
    const m = this.mempool.get(key.slice(0, i));
    const vout = Number(key.slice(i + 1));
    const o = m?.ptx.tx.outputs[vout];
    if (m === undefined || o === undefined) return undefined;
    return this.makeCoin(m.txidHex, vout, o.amount, o.script, this.tipHeight + 1, false);
  }

  private *mempoolCoins(): Generator<DevnetCoin> {
    for (const m of this.mempool.values()) {
      for (const [vout, o] of m.ptx.tx.outputs.entries()) {
        const key = `${m.txidHex}:${vout}`;
        if (!this.mempoolSpends.has(key))
          yield this.makeCoin(m.txidHex, vout, o.amount, o.script, this.tipHeight + 1, false);
      }
    }
  }

  /** Faucet coins the next block may spend: mature confirmed ones and unspent mempool change. */
  private faucetCoins(): DevnetCoin[] {
    const next = this.tipHeight + 1;
    const out: DevnetCoin[] = [];
    for (const c of this.utxos.values()) {
      if (!equalBytes(c.script, this.faucetScript) || this.mempoolSpends.has(c.key)) continue;
      if (c.coinbase && next - c.height < this.coinbaseMaturity) continue;
      out.push(c);
    }
    for (const c of this.mempoolCoins()) if (equalBytes(c.script, this.faucetScript)) out.push(c);
    return out;
  }

  private makeCoin(
    txidHex: string,
    vout: number,
    valueSat: bigint,
    script: Uint8Array,
    height: number,
    coinbase: boolean,
  ): DevnetCoin {
    return {
      key: `${txidHex}:${vout}`,
      txidHex,
      vout,
      valueSat,
      script,
      height,
      coinbase,
      scripthash: bytesToHex(sha256(script)),
    };
  }

  private indexScript(scripthash: string, txidHex: string): void {
    const s = this.scriptTxs.get(scripthash) ?? new Set<string>();
    this.scriptTxs.set(scripthash, s);
    s.add(txidHex);
  }

  /** Applies a block to the UTXO set and indexes. Blocks come from our own miner or our own file. */
  private connect(raw: Uint8Array, persist: boolean): void {
    const parsed = decodeBlock(raw);
    const height = this.blocks.length;
    const prev = this.blocks[height - 1];
    if (prev !== undefined && !equalBytes(parsed.header.prevBlockHash, prev.hash)) {
      throw new DevnetError(
        `block ${hashToHex(parsed.hash)} does not extend the tip at height ${prev.height}`,
      );
    }
    const undo: DevnetCoin[] = [];
    parsed.txs.forEach((ptx, index) => {
      const txidHex = hashToHex(ptx.txid);
      const coinbase = isCoinbase(ptx.tx);
      if (!coinbase) {
        ptx.tx.inputs.forEach((_, vin) => {
          const key = outpointKey(inputOutpoint(ptx.tx, vin));
          const coin = this.utxos.get(key);
          if (coin === undefined)
            throw new DevnetError(`block at height ${height} spends missing coin ${key}`);
          undo.push(coin);
          this.utxos.delete(key);
          this.spentBy.set(key, { txidHex, vin, height });
          this.indexScript(coin.scripthash, txidHex);
          this.mempoolSpends.delete(key);
        });
      }
      ptx.tx.outputs.forEach((o, vout) => {
        const coin = this.makeCoin(txidHex, vout, o.amount, o.script, height, coinbase);
        if (o.script[0] !== 0x6a && height > 0) this.utxos.set(coin.key, coin); // OP_RETURN is unspendable
        this.indexScript(coin.scripthash, txidHex);
      });
      this.txIndex.set(txidHex, { height, index });
      this.mempool.delete(txidHex);
    });
    const stored: StoredBlock = {
      height,
      hash: parsed.hash,
      hashHex: hashToHex(parsed.hash),
      header: parsed.header,
      headerBytes: parsed.headerBytes,
      raw,
      txs: parsed.txs,
      undo,
    };
    this.blocks.push(stored);
    this.byHash.set(stored.hashHex, stored);
    if (persist) this.log?.append(raw);
  }

  private disconnectTip(): StoredBlock {
    const b = this.blocks.pop()!;
    this.byHash.delete(b.hashHex);
    for (const ptx of [...b.txs].reverse()) {
      const txidHex = hashToHex(ptx.txid);
      ptx.tx.outputs.forEach((o, vout) => {
        this.utxos.delete(`${txidHex}:${vout}`);
        this.scriptTxs.get(bytesToHex(sha256(o.script)))?.delete(txidHex);
      });
      if (!isCoinbase(ptx.tx)) {
        for (let vin = 0; vin < ptx.tx.inputs.length; vin++)
          this.spentBy.delete(outpointKey(inputOutpoint(ptx.tx, vin)));
      }
      this.txIndex.delete(txidHex);
    }
    for (const coin of b.undo) {
      this.utxos.set(coin.key, coin);
      const spender = this.scriptTxs.get(coin.scripthash);
      for (const ptx of b.txs) spender?.delete(hashToHex(ptx.txid));
    }
    return b;
  }
}
