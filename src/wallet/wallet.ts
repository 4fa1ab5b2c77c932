// src/wallet/wallet.ts: the on-chain wallet. BIP 84 addresses with a gap-limit scan, coins
// tracked through ChainSource events, coin selection, and the transactions the node needs:
// payments, channel fundings (built and locked, broadcast later) and sweeps of outputs the
// wallet does not own.
import {
  addressToScript,
  type BroadcastResult,
  type ChainEvent,
  type ChainSource,
  hashToHex,
  type OutPoint,
  scriptKey,
  scriptToAddress,
} from '../chain/index.js';
import { dustThresholdSat } from '../tx/index.js';
import {
  type BuildOutput,
  type BuiltTx,
  buildAndSign,
  type ExternalInput,
  type WalletInput,
} from './builder.js';
import { selectCoins } from './coin-select.js';
import type { AddressBranch, KeyManager } from './keys.js';
import type { KeyValueStore } from './kv-store.js';
import { type AddressLookup, applyChainEvent, forgetOwnTx, recordOwnTx } from './ledger.js';
import { type CoinRecord, decodeState, emptyState, encodeState, type WalletState } from './state.js';
import {
  INPUT_BASE_WEIGHT,
  outputWeight,
  P2WPKH_INPUT_WEIGHT,
  P2WPKH_OUTPUT_WEIGHT,
  TX_OVERHEAD_WEIGHT,
} from './weights.js';

export interface WalletOptions {
  keys: KeyManager;
  chain: ChainSource;
  store: KeyValueStore;
  /** Unused addresses watched past the last used one, per branch. Default 20 (BIP 44). */
  gapLimit?: number;
  /** Where the first scan starts (a restored wallet: its creation height, or 0). Default 0. */
  birthdayHeight?: number;
  /** Confirmations before a coin from someone else is spent. Default 1. */
  minConfirmations?: number;
  /** Default 100, as on every Bitcoin network. */
  coinbaseMaturity?: number;
  /** Key under which the state is stored. Default "wallet/state". */
  storeKey?: string;
}

export interface WalletBalance {
  /** Confirmed and spendable (mature, not locked). */
  confirmedSat: bigint;
  /** Unconfirmed: our own change and payments to us not yet in a block. */
  unconfirmedSat: bigint;
  /** Reserved by built but unbroadcast transactions. */
  lockedSat: bigint;
  /** Coinbase outputs not yet mature. */
  immatureSat: bigint;
}

export interface WalletCoin {
  outpoint: OutPoint;
  valueSat: bigint;
  address: string;
  /** 0 while unconfirmed. */
  confirmations: number;
  locked: boolean;
}

export interface FeeChoice {
  /** Explicit rate; otherwise the ChainSource's estimate for `targetBlocks` (default 6). */
  feeRateSatPerKw?: bigint;
  targetBlocks?: number;
}

export type WalletErrorCode = 'invalid_address' | 'dust_output' | 'insufficient_funds' | 'broadcast_rejected';
export type WalletFailure = { ok: false; code: WalletErrorCode; message: string };

export type SendResult = { ok: true; txid: Uint8Array; raw: Uint8Array; feeSat: bigint } | WalletFailure;

export type FundingResult =
  | {
      ok: true;
      raw: Uint8Array;
      /** Internal byte order (as BOLT 2's funding_txid). */
      txid: Uint8Array;
      outputIndex: number;
      feeSat: bigint;
    }
  | WalletFailure;

export type SweepResult =
  | { ok: true; raw: Uint8Array; txid: Uint8Array; amountSat: bigint; feeSat: bigint }
  | WalletFailure;

const DEFAULT_STORE_KEY = 'wallet/state';
/** On restart, look this many blocks back so a reorg while we were down is seen again. */
const RESTART_OVERLAP = 6;

export class Wallet {
  private readonly keys: KeyManager;
  private readonly chain: ChainSource;
  private readonly store: KeyValueStore;
  private readonly gap: number;
  private readonly minConf: number;
  private readonly maturity: number;
  private readonly storeKey: string;
  private state: WalletState = emptyState();
  /** Watched scripts -> their address. */
  private readonly scripts = new Map<string, { branch: AddressBranch; index: number }>();
  private readonly watchedUpTo: [number, number] = [0, 0];
  private saving: Promise<void> = Promise.resolve();
  private readonly lookup: AddressLookup = (key) => this.scripts.get(key);
  private unsubscribe: (() => void) | undefined;

  private constructor(opts: WalletOptions) {
    this.keys = opts.keys;
    this.chain = opts.chain;
    this.store = opts.store;
    this.gap = opts.gapLimit ?? 20;
    this.minConf = opts.minConfirmations ?? 1;
    this.maturity = opts.coinbaseMaturity ?? 100;
    this.storeKey = opts.storeKey ?? DEFAULT_STORE_KEY;
  }

  /**
   * Loads the stored state (or starts empty), subscribes to the chain and watches every address
   * up to the gap limit from the birthday (first start) or just before the last processed block.
   * Call the ChainSource's `sync()` afterwards to scan.
   */
  static async open(opts: WalletOptions): Promise<Wallet> {
    const w = new Wallet(opts);
    const stored = await w.store.get(w.storeKey);
    if (stored !== undefined) w.state = decodeState(stored);
    w.unsubscribe = w.chain.subscribe((e) => w.onEvent(e));
    const from =
      w.state.syncedHeight !== undefined
        ? Math.max(0, w.state.syncedHeight - RESTART_OVERLAP)
        : (opts.birthdayHeight ?? 0);
    w.extendWatches(0, from);
    w.extendWatches(1, from);
    for (const c of w.state.coins.values()) {
      if (c.spentBy?.height === undefined)
        w.chain.watchOutpoint(c, { fromHeight: Math.max(from, c.height ?? from), depthUpdatesUntil: 1 });
    }
    return w;
  }

  /** Stops listening to the chain. */
  close(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  /** Resolves when every state change so far is stored. */
  flush(): Promise<void> {
    return this.saving;
  }

  // ---------- addresses and balances ----------

  /** A fresh receive address (BIP 84), never handed out before. */
  async newAddress(): Promise<string> {
    const key = this.keys.walletKey(0, this.state.next[0]);
    this.state.next[0]++;
    this.extendWatches(0, undefined);
    await this.persist();
    return scriptToAddress(key.script, this.keys.network)!;
  }

  balance(): WalletBalance {
    const b: WalletBalance = { confirmedSat: 0n, unconfirmedSat: 0n, lockedSat: 0n, immatureSat: 0n };
    const tip = this.tipHeight();
    for (const c of this.state.coins.values()) {
      if (c.spentBy !== undefined) continue;
      if (c.lockedBy !== undefined) b.lockedSat += c.valueSat;
      else if (c.height === undefined) b.unconfirmedSat += c.valueSat;
      else if (c.coinbase && tip - c.height + 1 < this.maturity) b.immatureSat += c.valueSat;
      else b.confirmedSat += c.valueSat;
    }
    return b;
  }

  /** Unspent coins (locked ones included, flagged). */
  listCoins(): WalletCoin[] {
    const tip = this.tipHeight();
    return [...this.state.coins.values()]
      .filter((c) => c.spentBy === undefined)
      .map((c) => ({
        outpoint: { txid: c.txid, vout: c.vout },
        valueSat: c.valueSat,
        address: scriptToAddress(this.keys.walletKey(c.branch, c.index).script, this.keys.network)!,
        confirmations: c.height === undefined ? 0 : tip - c.height + 1,
        locked: c.lockedBy !== undefined,
      }));
  }

  // ---------- transactions ----------

  /** Pays `amountSat` to `address`, with change back to the wallet, and broadcasts it. */
  async send(address: string, amountSat: bigint, fee: FeeChoice = {}): Promise<SendResult> {
    const dest = addressToScript(address, this.keys.network);
    if (!dest.ok) return { ok: false, code: 'invalid_address', message: dest.reason };
    const feeRate = await this.feeRate(fee);
    const built = this.buildPayment([{ script: dest.script, amountSat }], feeRate);
    if (!built.ok) return built;
    const r = await this.broadcast(built.tx.raw);
    if (!r.ok) return { ok: false, code: 'broadcast_rejected', message: r.reason };
    return { ok: true, txid: built.tx.txid, raw: built.tx.raw, feeSat: built.tx.feeSat };
  }

  /**
   * Builds and signs a transaction paying `amountSat` to `script` (a channel's P2WSH funding
   * script) and locks its coins. Nothing is broadcast: call `broadcast(raw)` when the peer has
   * signed the first commitment, or `releaseLocks(txid)` to abandon it.
   */
  async fundOutput(script: Uint8Array, amountSat: bigint, fee: FeeChoice = {}): Promise<FundingResult> {
    const feeRate = await this.feeRate(fee);
    const built = this.buildPayment([{ script, amountSat }], feeRate);
    if (!built.ok) return built;
    await this.persist(); // the locks must outlive a restart
    return {
      ok: true,
      raw: built.tx.raw,
      txid: built.tx.txid,
      outputIndex: built.tx.outputIndexes[0]!,
      feeSat: built.tx.feeSat,
    };
  }

  /**
   * Spends outputs the wallet does not own (close outputs, HTLC outputs) into the wallet, or to
   * `destination`. Each input carries its witness builder; the fee comes out of the swept value.
   * Not broadcast: the caller does that (through `broadcast`, so the wallet learns the coin).
   */
  async sweep(
    inputs: readonly ExternalInput[],
    opts: FeeChoice & { destination?: Uint8Array; lockTime?: number } = {},
  ): Promise<SweepResult> {
    const feeRate = await this.feeRate(opts);
    let destination = opts.destination;
    let consumeChange = false;
    if (destination === undefined) {
      destination = this.keys.walletKey(1, this.state.next[1]).script;
      consumeChange = true;
    }
    const weight =
      TX_OVERHEAD_WEIGHT +
      inputs.reduce((w, i) => w + INPUT_BASE_WEIGHT + i.maxWitnessWeight, 0) +
      outputWeight(destination);
    const total = inputs.reduce((s, i) => s + i.valueSat, 0n);
    const feeSat = (BigInt(weight) * feeRate + 999n) / 1000n;
    const amountSat = total - feeSat;
    if (amountSat < dustThresholdSat(destination)) {
      return {
        ok: false,
        code: 'insufficient_funds',
        message: `sweeping ${total} sat at ${feeRate} sat/kw costs ${feeSat} sat, leaving less than the dust limit`,
      };
    }
    if (consumeChange) this.useNextChange();
    const tx = buildAndSign(inputs, [{ script: destination, amountSat }], opts.lockTime ?? this.tipHeight());
    await this.persist();
    return { ok: true, raw: tx.raw, txid: tx.txid, amountSat, feeSat: tx.feeSat };
  }

  /**
   * Broadcasts a transaction. If it spends or pays the wallet, the wallet records it first
   * (inputs spent, change unconfirmed) and rebroadcasts it until confirmed; if the network
   * refuses it, the record is undone and its coins unlocked.
   */
  async broadcast(raw: Uint8Array): Promise<BroadcastResult> {
    const created = recordOwnTx(this.state, raw, this.lookup);
    if (created !== undefined) {
      for (const outpoint of created) this.chain.watchOutpoint(outpoint, { depthUpdatesUntil: 1 });
      await this.persist();
    }
    const r = await this.chain.broadcast(raw);
    if (!r.ok && r.code === 'rejected' && created !== undefined) {
      forgetOwnTx(this.state, raw);
      await this.persist();
    }
    return r;
  }

  /** Unlocks the coins of a built but abandoned transaction. */
  async releaseLocks(txid: Uint8Array): Promise<void> {
    const id = hashToHex(txid);
    for (const c of this.state.coins.values()) if (c.lockedBy === id) delete c.lockedBy;
    await this.persist();
  }

  /** Broadcasts again every wallet transaction not yet confirmed (after a restart or a reorg). */
  async rebroadcastPending(): Promise<BroadcastResult[]> {
    const out: BroadcastResult[] = [];
    for (const t of this.state.ownTxs.values())
      if (t.height === undefined) out.push(await this.chain.broadcast(t.raw));
    return out;
  }

  // ---------- internals ----------

  private tipHeight(): number {
    return this.chain.tip?.height ?? this.state.syncedHeight ?? 0;
  }

  private async feeRate(fee: FeeChoice): Promise<bigint> {
    return fee.feeRateSatPerKw ?? (await this.chain.estimateFeeSatPerKw(fee.targetBlocks ?? 6));
  }

  private spendable(): [string, CoinRecord][] {
    const tip = this.tipHeight();
    return [...this.state.coins].filter(([, c]) => {
      if (c.spentBy !== undefined || c.lockedBy !== undefined) return false;
      if (c.height === undefined) return this.state.ownTxs.has(hashToHex(c.txid)); // our own change
      const depth = tip - c.height + 1;
      return c.coinbase ? depth >= this.maturity : depth >= this.minConf;
    });
  }

  /**
   * Selects, builds, signs and locks, all synchronously: two concurrent callers can never pick
   * the same coin, because nothing awaits between choosing coins and locking them.
   */
  private buildPayment(outputs: BuildOutput[], feeRate: bigint): { ok: true; tx: BuiltTx } | WalletFailure {
    for (const o of outputs) {
      const dust = dustThresholdSat(o.script);
      if (o.amountSat < dust || o.amountSat <= 0n) {
        return {
          ok: false,
          code: 'dust_output',
          message: `${o.amountSat} sat is below the dust limit of ${dust} sat for that output`,
        };
      }
    }
    const changeKey = this.keys.walletKey(1, this.state.next[1]);
    const coins = this.spendable();
    const sel = selectCoins(
      coins.map(([id, c]) => ({ id, valueSat: c.valueSat, inputWeight: P2WPKH_INPUT_WEIGHT })),
      {
        targetSat: outputs.reduce((s, o) => s + o.amountSat, 0n),
        feeRateSatPerKw: feeRate,
        baseWeight: TX_OVERHEAD_WEIGHT + outputs.reduce((w, o) => w + outputWeight(o.script), 0),
        changeOutputWeight: P2WPKH_OUTPUT_WEIGHT,
        changeDustLimitSat: dustThresholdSat(changeKey.script),
      },
    );
    if (!sel.ok) {
      return {
        ok: false,
        code: 'insufficient_funds',
        message: `need ${sel.neededSat} sat including fees at ${feeRate} sat/kw, spendable ${sel.availableSat} sat`,
      };
    }
    const inputs: WalletInput[] = sel.selected.map((s) => {
      const c = this.state.coins.get(s.id)!;
      const key = this.keys.walletKey(c.branch, c.index);
      return {
        kind: 'wallet',
        outpoint: c,
        valueSat: c.valueSat,
        privateKey: key.privateKey,
        publicKey: key.publicKey,
      };
    });
    const all = [...outputs];
    if (sel.changeSat > 0n) {
      all.push({ script: changeKey.script, amountSat: sel.changeSat });
      this.useNextChange();
    }
    const tx = buildAndSign(inputs, all, this.tipHeight());
    const lockId = hashToHex(tx.txid);
    for (const s of sel.selected) this.state.coins.get(s.id)!.lockedBy = lockId;
    return { ok: true, tx };
  }

  private useNextChange(): void {
    this.state.next[1]++;
    this.extendWatches(1, undefined);
  }

  /** Watches addresses up to next + gap on a branch; new ones are scanned from `fromHeight`. */
  private extendWatches(branch: AddressBranch, fromHeight: number | undefined): void {
    const upTo = this.state.next[branch] + this.gap;
    for (let i = this.watchedUpTo[branch]; i < upTo; i++) {
      const key = this.keys.walletKey(branch, i);
      this.scripts.set(scriptKey(key.script), { branch, index: i });
      this.chain.watchScript(key.script, {
        depthUpdatesUntil: 1,
        ...(fromHeight !== undefined ? { fromHeight } : {}),
      });
    }
    this.watchedUpTo[branch] = Math.max(this.watchedUpTo[branch], upTo);
  }

  private async onEvent(e: ChainEvent): Promise<void> {
    const effect = applyChainEvent(this.state, e, this.lookup);
    if (effect.used !== undefined) this.extendWatches(effect.used.branch, effect.used.height);
    if (effect.watch !== undefined) {
      const { outpoint, fromHeight } = effect.watch;
      this.chain.watchOutpoint(outpoint, {
        depthUpdatesUntil: 1,
        ...(fromHeight !== undefined ? { fromHeight } : {}),
      });
    }
    if (effect.changed) await this.persist();
  }

  private persist(): Promise<void> {
    const snapshot = encodeState(this.state);
    this.saving = this.saving.then(() => this.store.put(this.storeKey, snapshot));
    return this.saving;
  }
}
