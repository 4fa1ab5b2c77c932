// src/node/graph-pruner.ts: forgets other nodes' public channels once their funding output is spent.
//
// Gossip only learns of a channel's end through `fundingSpent`; without it a closed channel of two
// other nodes stays in the graph until it goes stale (two weeks), and payments keep trying it.
// For each public channel gossip accepts, this watches the funding outpoint through the chain
// source, records the height of a confirmed spend, and calls `forget` once the spend is
// `delayBlocks` deep. Our own channels are not given to it: the channel driver handles those.
//
// What it watches, the spends it saw and the last block it processed are kept in a kv namespace,
// so that a restart watches the same outpoints again, rescanning the blocks it missed.
import {
  type ChainEvent,
  type ChainSource,
  hashFromHex,
  hashToHex,
  type OutPoint,
  outpointKey,
} from '../chain/index.js';
import type { KvNamespace } from '../store/index.js';

/** BOLT 7: once the funding output is spent, "SHOULD forget a channel after a 72-block delay." */
export const FORGET_DELAY_BLOCKS = 72;

const HEIGHT_KEY = 'height';
const CHANNEL_PREFIX = 'c:';
const utf8 = new TextEncoder();
const dec = new TextDecoder();

export interface GraphPrunerOptions {
  chain: ChainSource;
  /** Where a short channel id's funding output is (the node's funding lookup fits). */
  lookup: { getOutpoint(shortChannelId: bigint): Promise<OutPoint | undefined> };
  kv: KvNamespace;
  /** Tells gossip to forget the channel (`Gossiper.fundingSpent`). */
  forget: (shortChannelId: bigint) => Promise<void>;
  /** Blocks from the spend's confirmation to forgetting; default FORGET_DELAY_BLOCKS. */
  delayBlocks?: number;
}

interface Tracked {
  scid: bigint;
  outpoint: OutPoint;
  /** The confirmed spend, until a reorg takes it away. */
  spend?: { height: number; txid: string };
}

interface StoredTracked {
  txid: string;
  vout: number;
  spendHeight?: number;
  spendTxid?: string;
}

/** Watches the funding outputs of other nodes' public channels; see the file comment. */
export class GraphPruner {
  private readonly byScid = new Map<bigint, Tracked>();
  private readonly byOutpoint = new Map<string, Tracked>();
  private lastHeight: number | undefined;
  private readonly delay: number;

  constructor(private readonly opts: GraphPrunerOptions) {
    this.delay = opts.delayBlocks ?? FORGET_DELAY_BLOCKS;
  }

  /**
   * Watches again what an earlier run watched, from the block after the last one it processed
   * (call before the chain source's first sync). Returns how many channels are watched.
   */
  async load(): Promise<number> {
    for (const { key, value } of await this.opts.kv.list()) {
      const text = dec.decode(value);
      if (key === HEIGHT_KEY) {
        const h = Number(text);
        if (Number.isSafeInteger(h) && h >= 0) this.lastHeight = h;
      } else if (key.startsWith(CHANNEL_PREFIX)) {
        const t = parseTracked(key.slice(CHANNEL_PREFIX.length), text);
        if (t !== undefined) this.remember(t);
      }
    }
    const from = this.lastHeight === undefined ? {} : { fromHeight: this.lastHeight + 1 };
    for (const t of this.byScid.values())
      this.opts.chain.watchOutpoint(t.outpoint, { ...from, depthUpdatesUntil: 1 });
    return this.byScid.size;
  }

  /** The channels watched, ascending (for diagnostics and tests). */
  watched(): bigint[] {
    return [...this.byScid.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /** Gossip accepted another node's channel_announcement: watch its funding output. */
  async channelAccepted(scid: bigint): Promise<void> {
    if (this.byScid.has(scid)) return;
    const outpoint = await this.opts.lookup.getOutpoint(scid);
    if (outpoint === undefined || this.byScid.has(scid)) return;
    const t: Tracked = { scid, outpoint };
    this.remember(t);
    await this.save(t);
    // A spend may have confirmed between gossip's check and now: look at the tip block again.
    const tip = this.opts.chain.tip;
    this.opts.chain.watchOutpoint(outpoint, {
      ...(tip !== undefined ? { fromHeight: tip.height } : {}),
      depthUpdatesUntil: 1,
    });
  }

  /** Gossip forgot these channels by itself (stale): stop watching them. */
  async channelsForgotten(scids: readonly bigint[]): Promise<void> {
    for (const scid of scids) await this.drop(scid);
  }

  /** The chain source's listener. */
  async onChainEvent(e: ChainEvent): Promise<void> {
    switch (e.kind) {
      case 'outpoint_spent': {
        const t = this.byOutpoint.get(outpointKey(e.outpoint));
        if (t === undefined) return;
        const txid = hashToHex(e.spendingTxid);
        if (t.spend?.height === e.height && t.spend.txid === txid) return; // reported again
        t.spend = { height: e.height, txid };
        await this.save(t);
        return;
      }
      case 'tx_unconfirmed': {
        // BOLT 7 waits for the spend to stay buried: a reorg that drops it restarts the wait.
        const txid = hashToHex(e.txid);
        for (const t of this.byScid.values()) {
          if (t.spend?.txid !== txid) continue;
          delete t.spend;
          await this.save(t);
        }
        return;
      }
      case 'block_connected': {
        const due = [...this.byScid.values()].filter(
          (t) => t.spend !== undefined && e.height >= t.spend.height + this.delay,
        );
        for (const t of due) {
          await this.opts.forget(t.scid);
          await this.drop(t.scid);
        }
        this.lastHeight = e.height;
        await this.opts.kv.put(HEIGHT_KEY, utf8.encode(String(e.height)));
        return;
      }
      default:
        return;
    }
  }

  private remember(t: Tracked): void {
    this.byScid.set(t.scid, t);
    this.byOutpoint.set(outpointKey(t.outpoint), t);
  }

  private async drop(scid: bigint): Promise<void> {
    const t = this.byScid.get(scid);
    if (t === undefined) return;
    this.byScid.delete(scid);
    this.byOutpoint.delete(outpointKey(t.outpoint));
    this.opts.chain.unwatchOutpoint(t.outpoint);
    await this.opts.kv.delete(CHANNEL_PREFIX + scid.toString());
  }

  private async save(t: Tracked): Promise<void> {
    const s: StoredTracked = {
      txid: hashToHex(t.outpoint.txid),
      vout: t.outpoint.vout,
      ...(t.spend !== undefined ? { spendHeight: t.spend.height, spendTxid: t.spend.txid } : {}),
    };
    await this.opts.kv.put(CHANNEL_PREFIX + t.scid.toString(), utf8.encode(JSON.stringify(s)));
  }
}

/** A stored entry, or undefined when it does not parse (it is then ignored). */
function parseTracked(scidText: string, json: string): Tracked | undefined {
  try {
    const scid = BigInt(scidText);
    const s = JSON.parse(json) as Partial<StoredTracked>;
    if (typeof s.txid !== 'string' || typeof s.vout !== 'number') return undefined;
    const t: Tracked = { scid, outpoint: { txid: hashFromHex(s.txid), vout: s.vout } };
    if (typeof s.spendHeight === 'number' && typeof s.spendTxid === 'string')
      t.spend = { height: s.spendHeight, txid: s.spendTxid };
    return t;
  } catch {
    return undefined;
  }
}
