// src/chain/watcher.ts: one ChainSource over any ChainBackend.
//
// It polls the backend's tip, walks back through the last `reorgWindow` block hashes to find
// where a new chain forks from ours, disconnects and connects blocks one at a time, and reports
// watched scripts and outpoints found in them. The pure parts (the recent chain, block
// matching) live in recent-chain.ts and watch-match.ts; this file is the I/O loop around them.
import { equalBytes } from '../crypto/index.js';
import { decodeBlock, type ParsedBlock } from './block.js';
import { ChainBackendError } from './errors.js';
import { FEERATE_FLOOR_SAT_PER_KW, pickEstimate } from './fees.js';
import { hashToHex, outpointFromKey, outpointKey } from './ids.js';
import { RecentChain } from './recent-chain.js';
import type {
  BlockId,
  BroadcastResult,
  ChainBackend,
  ChainEvent,
  ChainListener,
  ChainSource,
  FeeEstimates,
  OutPoint,
  OutpointSpentEvent,
  ScriptConfirmedEvent,
  WatchOptions,
} from './types.js';
import { type BlockMatch, matchBlock, scriptKey } from './watch-match.js';

export interface ChainWatcherOptions {
  backend: ChainBackend;
  /** How often `start()` polls. Default 5000 ms. */
  pollIntervalMs?: number;
  /** How many recent block hashes are kept; the deepest reorg that can be followed. Default 144. */
  reorgWindow?: number;
  /**
   * The first block to process, announcing every block from there with `block_connected` (for
   * a node resuming from a stored height). Default: start at the backend's tip, silently.
   */
  startHeight?: number;
  /** Used when the backend has no estimates (a fresh regtest). Default 1000 sat/kw. */
  fallbackFeeSatPerKw?: bigint;
  /** How long fee estimates are reused, and never past a new block. Default 60 s. */
  feeCacheMs?: number;
  /** Milliseconds since the epoch; only the fee cache uses it. */
  clock?: () => number;
  /** Called before a transaction is broadcast: the node makes its store durable there (Store.flush). */
  beforeBroadcast?: () => void;
  /** Called with errors from background polls (`start()`); `sync()` rejects instead. */
  onError?: (err: unknown) => void;
}

/** A reorg deeper than the watcher remembers: it cannot tell which of its events still hold. */
export class ReorgTooDeepError extends Error {
  override name = 'ReorgTooDeepError';
}

interface Watch {
  depthUpdatesUntil: number;
  /** Blocks from this height on have been (or will be) matched against the watch. */
  coveredFrom: number;
}
interface PendingWatch extends Watch {
  fromHeight: number;
  toHeight: number;
}
type MatchEvent = ScriptConfirmedEvent | OutpointSpentEvent;
interface Tracked {
  event: MatchEvent;
  until: number;
}

const DEFAULT_DEPTH_UPDATES = 6;
const BLOCK_CACHE_SIZE = 16;
const MAX_ROUNDS_PER_SYNC = 8;

export class ChainWatcher implements ChainSource {
  private readonly backend: ChainBackend;
  private readonly chain: RecentChain;
  private readonly scripts = new Map<string, Watch>();
  private readonly outpoints = new Map<string, Watch>();
  private pendingScripts = new Map<string, PendingWatch>();
  private pendingOutpoints = new Map<string, PendingWatch>();
  private readonly listeners = new Set<ChainListener>();
  /** txids reported per block hash (hex), to unconfirm them if the block is disconnected. */
  private readonly reported = new Map<string, { height: number; txids: Map<string, Uint8Array> }>();
  private tracked: Tracked[] = [];
  private readonly blockCache = new Map<string, ParsedBlock>();
  private queue: Promise<void> = Promise.resolve();
  private timer: ReturnType<typeof setInterval> | undefined;
  private fees: { at: number; estimates: FeeEstimates } | undefined;
  private started = false;

  constructor(private readonly opts: ChainWatcherOptions) {
    this.backend = opts.backend;
    this.chain = new RecentChain(opts.reorgWindow ?? 144);
  }

  get tip(): BlockId | undefined {
    return this.chain.tip;
  }

  /** Polls every `pollIntervalMs` until `stop()`. */
  start(): void {
    if (this.timer !== undefined) return;
    const poll = () => {
      this.sync().catch((e: unknown) => this.opts.onError?.(e));
    };
    this.timer = setInterval(poll, this.opts.pollIntervalMs ?? 5000);
    poll();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  subscribe(listener: ChainListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  watchScript(script: Uint8Array, options: WatchOptions = {}): void {
    this.addWatch(this.scripts, this.pendingScripts, scriptKey(script), options);
  }

  unwatchScript(script: Uint8Array): void {
    this.scripts.delete(scriptKey(script));
    this.pendingScripts.delete(scriptKey(script));
  }

  watchOutpoint(outpoint: OutPoint, options: WatchOptions = {}): void {
    this.addWatch(this.outpoints, this.pendingOutpoints, outpointKey(outpoint), options);
  }

  unwatchOutpoint(outpoint: OutPoint): void {
    this.outpoints.delete(outpointKey(outpoint));
    this.pendingOutpoints.delete(outpointKey(outpoint));
  }

  async broadcast(rawTx: Uint8Array): Promise<BroadcastResult> {
    this.opts.beforeBroadcast?.();
    try {
      return await this.backend.broadcast(rawTx);
    } catch (e) {
      if (e instanceof ChainBackendError) return { ok: false, code: 'unavailable', reason: e.message };
      throw e;
    }
  }

  async estimateFeeSatPerKw(targetBlocks: number): Promise<bigint> {
    const now = (this.opts.clock ?? Date.now)();
    if (this.fees === undefined || now - this.fees.at > (this.opts.feeCacheMs ?? 60_000)) {
      try {
        this.fees = { at: now, estimates: await this.backend.getFeeEstimates() };
      } catch (e) {
        // A stale estimate beats none; without one we fall back below.
        if (!(e instanceof ChainBackendError)) throw e;
      }
    }
    const rate =
      (this.fees && pickEstimate(this.fees.estimates, targetBlocks)) ??
      this.opts.fallbackFeeSatPerKw ??
      1000n;
    return rate < FEERATE_FLOOR_SAT_PER_KW ? FEERATE_FLOOR_SAT_PER_KW : rate;
  }

  sync(): Promise<void> {
    const run = this.queue.then(() => this.syncOnce());
    this.queue = run.catch(() => undefined);
    return run;
  }

  // ---------- the sync loop ----------

  private addWatch(
    active: Map<string, Watch>,
    pending: Map<string, PendingWatch>,
    key: string,
    options: WatchOptions,
  ): void {
    const depthUpdatesUntil = options.depthUpdatesUntil ?? DEFAULT_DEPTH_UPDATES;
    const tip = this.chain.tip;
    const existing = active.get(key);
    const from = options.fromHeight;
    // Already scanned from there (or asked for no history): nothing to do but keep the options.
    if (existing !== undefined && (from === undefined || from >= existing.coveredFrom)) {
      existing.depthUpdatesUntil = depthUpdatesUntil;
      return;
    }
    const needsRescan = from !== undefined && (!this.started || (tip !== undefined && from <= tip.height));
    if (!needsRescan) {
      const coveredFrom =
        tip !== undefined ? tip.height + 1 : (this.opts.startHeight ?? Number.POSITIVE_INFINITY);
      active.set(key, { depthUpdatesUntil, coveredFrom: Math.min(coveredFrom, from ?? coveredFrom) });
      return;
    }
    const prev = pending.get(key);
    pending.set(key, {
      fromHeight: Math.min(from, prev?.fromHeight ?? from),
      // An active watch has seen everything from coveredFrom on: rescan only below it.
      toHeight: existing !== undefined ? existing.coveredFrom - 1 : Number.POSITIVE_INFINITY,
      depthUpdatesUntil,
      coveredFrom: Math.min(from, prev?.fromHeight ?? from),
    });
  }

  private async syncOnce(): Promise<void> {
    let remote = await this.backend.getTip();
    if (!this.started) await this.initialize(remote);
    await this.processPending();
    for (let round = 0; round < MAX_ROUNDS_PER_SYNC; round++) {
      const local = this.chain.tip;
      if (local !== undefined && local.height === remote.height && equalBytes(local.hash, remote.hash))
        return;
      const fork = await this.findFork(remote);
      for (const block of this.chain.rollbackTo(fork)) await this.disconnect(block);
      for (let h = fork + 1; h <= remote.height; h++) {
        const hash = h === remote.height ? remote.hash : await this.backend.getBlockHash(h);
        if (hash === undefined) break; // the backend's chain shrank meanwhile: start over
        const block = await this.fetchBlock(hash);
        const tip = this.chain.tip;
        if (tip !== undefined && !equalBytes(block.header.prevBlockHash, tip.hash)) break; // it moved under us
        await this.connect(h, block);
        await this.processPending();
      }
      remote = await this.backend.getTip();
    }
  }

  private async initialize(remote: BlockId): Promise<void> {
    const start = this.opts.startHeight;
    if (start === undefined) {
      this.chain.push(remote);
    } else if (start > 0) {
      const base = start - 1;
      const hash = base === remote.height ? remote.hash : await this.backend.getBlockHash(base);
      if (hash === undefined)
        throw new ChainBackendError(this.backend.name, `no block at start height ${base}`);
      this.chain.push({ height: base, hash });
    }
    this.started = true;
    // Watches added before the first sync see blocks from here on.
    const first = (this.chain.tip?.height ?? -1) + 1;
    for (const w of [...this.scripts.values(), ...this.outpoints.values()]) {
      if (w.coveredFrom === Number.POSITIVE_INFINITY) w.coveredFrom = first;
    }
  }

  /** The height of the last block both chains share; -1 if we have none yet. */
  private async findFork(remote: BlockId): Promise<number> {
    const local = this.chain.tip;
    if (local === undefined) return (this.opts.startHeight ?? 0) - 1;
    for (let h = Math.min(local.height, remote.height); ; h--) {
      const ours = this.chain.hashAt(h);
      if (ours === undefined) {
        throw new ReorgTooDeepError(
          `the backend's chain forks below height ${h + 1}, deeper than the ${this.chain.window}-block window`,
        );
      }
      const theirs = h === remote.height ? remote.hash : await this.backend.getBlockHash(h);
      if (theirs !== undefined && equalBytes(ours, theirs)) return h;
    }
  }

  private async fetchBlock(hash: Uint8Array): Promise<ParsedBlock> {
    const key = hashToHex(hash);
    const cached = this.blockCache.get(key);
    if (cached !== undefined) return cached;
    const raw = await this.backend.getBlock(hash);
    if (raw === undefined) throw new ChainBackendError(this.backend.name, `block ${key} not found`);
    const block = decodeBlock(raw);
    if (!equalBytes(block.hash, hash)) {
      throw new ChainBackendError(this.backend.name, `asked for block ${key}, got ${hashToHex(block.hash)}`);
    }
    this.blockCache.set(key, block);
    if (this.blockCache.size > BLOCK_CACHE_SIZE) this.blockCache.delete(this.blockCache.keys().next().value!);
    return block;
  }

  private async emit(event: ChainEvent): Promise<void> {
    for (const listener of [...this.listeners]) await listener(event);
  }

  private async connect(height: number, block: ParsedBlock): Promise<void> {
    this.chain.push({ height, hash: block.hash });
    // A block moves the estimates: listeners acting on it (update_fee) must see the new ones, not
    // the cache of a moment ago.
    this.fees = undefined;
    await this.emit({ kind: 'block_connected', height, hash: block.hash, header: block.headerBytes });
    // Bury earlier matches first, so a listener sees depths in chain order.
    const still: Tracked[] = [];
    const due: MatchEvent[] = [];
    for (const t of this.tracked) {
      const depth = height - t.event.height + 1;
      if (depth > t.event.depth && depth <= t.until) due.push({ ...t.event, depth });
      if (depth < t.until)
        still.push(depth > t.event.depth ? { event: { ...t.event, depth }, until: t.until } : t);
    }
    this.tracked = still;
    for (const e of due) await this.emit(e);
    const matches = matchBlock(block.txs, new Set(this.scripts.keys()), new Set(this.outpoints.keys()));
    await this.report(block, height, matches, 1, (m) => this.watchFor(m, this.scripts, this.outpoints));
    this.pruneReported();
  }

  private async disconnect(block: BlockId): Promise<void> {
    const key = hashToHex(block.hash);
    const rep = this.reported.get(key);
    this.reported.delete(key);
    this.tracked = this.tracked.filter((t) => !equalBytes(t.event.blockHash, block.hash));
    this.blockCache.delete(key);
    for (const txid of rep?.txids.values() ?? []) {
      await this.emit({ kind: 'tx_unconfirmed', txid, height: block.height, blockHash: block.hash });
    }
    await this.emit({ kind: 'block_disconnected', height: block.height, hash: block.hash });
  }

  private watchFor(
    m: BlockMatch,
    scripts: Map<string, Watch>,
    outpoints: Map<string, Watch>,
  ): Watch | undefined {
    return m.kind === 'script' ? scripts.get(scriptKey(m.script)) : outpoints.get(outpointKey(m.outpoint));
  }

  private async report(
    block: ParsedBlock,
    height: number,
    matches: BlockMatch[],
    depth: number,
    watchOf: (m: BlockMatch) => Watch | undefined,
  ): Promise<void> {
    if (matches.length === 0) return;
    const key = hashToHex(block.hash);
    let rep = this.reported.get(key);
    if (rep === undefined && this.chain.hashAt(height) !== undefined) {
      rep = { height, txids: new Map() };
      this.reported.set(key, rep);
    }
    for (const m of matches) {
      const ptx = block.txs[m.txIndex]!;
      const event: MatchEvent =
        m.kind === 'script'
          ? {
              kind: 'script_confirmed',
              script: m.script,
              txid: ptx.txid,
              tx: ptx.raw,
              vout: m.vout,
              valueSat: m.valueSat,
              isCoinbase: m.isCoinbase,
              height,
              blockHash: block.hash,
              txIndex: m.txIndex,
              depth,
            }
          : {
              kind: 'outpoint_spent',
              outpoint: m.outpoint,
              spendingTxid: ptx.txid,
              spendingTx: ptx.raw,
              inputIndex: m.inputIndex,
              height,
              blockHash: block.hash,
              txIndex: m.txIndex,
              depth,
            };
      rep?.txids.set(hashToHex(ptx.txid), ptx.txid);
      const until = watchOf(m)?.depthUpdatesUntil ?? DEFAULT_DEPTH_UPDATES;
      if (depth < until) this.tracked.push({ event, until });
      await this.emit(event);
    }
  }

  private pruneReported(): void {
    const lowest = this.chain.lowest ?? 0;
    for (const [k, r] of this.reported) if (r.height < lowest) this.reported.delete(k);
  }

  /** Rescans blocks for watches added with a `fromHeight` at or below the tip, then activates them. */
  private async processPending(): Promise<void> {
    while (this.pendingScripts.size > 0 || this.pendingOutpoints.size > 0) {
      const scripts = this.pendingScripts;
      const outpoints = this.pendingOutpoints;
      this.pendingScripts = new Map();
      this.pendingOutpoints = new Map();
      const tip = this.chain.tip;
      if (tip !== undefined) {
        let from = tip.height + 1;
        for (const w of [...scripts.values(), ...outpoints.values()]) from = Math.min(from, w.fromHeight);
        for (let h = Math.max(from, 0); h <= tip.height; h++) {
          const hash = this.chain.hashAt(h) ?? (await this.backend.getBlockHash(h));
          if (hash === undefined) throw new ChainBackendError(this.backend.name, `no block at height ${h}`);
          const block = await this.fetchBlock(hash);
          const inRange = (w: PendingWatch) => w.fromHeight <= h && h <= w.toHeight;
          const s = new Set([...scripts].filter(([, w]) => inRange(w)).map(([k]) => k));
          const o = new Set([...outpoints].filter(([, w]) => inRange(w)).map(([k]) => k));
          const matches = matchBlock(block.txs, s, o);
          await this.report(block, h, matches, tip.height - h + 1, (m) =>
            this.watchFor(m, scripts, outpoints),
          );
        }
      }
      const activate = (into: Map<string, Watch>, from: Map<string, PendingWatch>) => {
        for (const [k, w] of from) {
          const cur = into.get(k);
          into.set(k, {
            depthUpdatesUntil: w.depthUpdatesUntil,
            coveredFrom: Math.min(w.fromHeight, cur?.coveredFrom ?? w.fromHeight),
          });
        }
      };
      activate(this.scripts, scripts);
      activate(this.outpoints, outpoints);
    }
  }

  /** The outpoints currently watched (for diagnostics and tests). */
  watchedOutpoints(): OutPoint[] {
    return [...this.outpoints.keys(), ...this.pendingOutpoints.keys()].map(outpointFromKey);
  }
}
