// test/interop/ldk/chain-feed.ts: LDK's view of the devnet chain. Polls Esplora for new blocks
// and hands each one to LDK's `Confirm` interface (transactions_confirmed with every transaction
// of the block, then best_block_updated), undoing confirmations of blocks that were reorganized
// away. Runs from the event loop only, never inside an LDK callback.
import * as ldk from 'lightningdevkit';
import type { Esplora } from './esplora.js';

export interface BlockRef {
  height: number;
  /** Display-order hex. */
  hash: string;
}

export class ChainFeed {
  readonly #esplora: Esplora;
  readonly #confirmables: readonly ldk.Confirm[];
  readonly #log: (line: string) => void;
  /** Hashes of the blocks we fed (and the start block), by height. */
  readonly #hashes = new Map<number, string>();
  readonly #startHeight: number;
  #tip: BlockRef;
  #running: Promise<void> | undefined;

  constructor(
    esplora: Esplora,
    confirmables: readonly ldk.Confirm[],
    start: BlockRef,
    log: (line: string) => void,
  ) {
    this.#esplora = esplora;
    this.#confirmables = confirmables;
    this.#log = log;
    this.#tip = start;
    this.#startHeight = start.height;
    this.#hashes.set(start.height, start.hash);
  }

  /** The last block handed to LDK. */
  get tip(): BlockRef {
    return this.#tip;
  }

  /** Brings LDK up to the chain's current tip (waits for a poll in progress, then polls again). */
  async sync(): Promise<BlockRef> {
    while (this.#running !== undefined) await this.#running.catch(() => {});
    this.#running = this.#poll().finally(() => {
      this.#running = undefined;
    });
    await this.#running;
    return this.#tip;
  }

  /** A poll for the timer: skipped while one runs; failures are logged, not thrown. */
  tick(): void {
    if (this.#running !== undefined) return;
    this.sync().catch((e: unknown) => this.#log(`chain poll failed: ${(e as Error).message}`));
  }

  async #poll(): Promise<void> {
    const height = await this.#esplora.tipHeight();
    // Walk back from our tip to the last block the chain still has (a reorg, if any).
    let fork = Math.min(this.#tip.height, height);
    while (fork > this.#startHeight && (await this.#esplora.blockHashAt(fork)) !== this.#hashes.get(fork))
      fork--;
    if (fork < this.#tip.height) this.#disconnectAbove(fork);
    for (let h = fork + 1; h <= height; h++) await this.#connect(h);
  }

  #disconnectAbove(fork: number): void {
    for (const c of this.#confirmables) {
      for (const t of c.get_relevant_txids()) {
        if (t.get_b() > fork) c.transaction_unconfirmed(t.get_a());
      }
    }
    for (let h = this.#tip.height; h > fork; h--) this.#hashes.delete(h);
    this.#tip = { height: fork, hash: this.#hashes.get(fork) ?? '' };
    this.#log(`chain: reorganized back to height ${fork}`);
  }

  async #connect(height: number): Promise<void> {
    const hash = await this.#esplora.blockHashAt(height);
    const header = await this.#esplora.blockHeader(hash);
    const txids = await this.#esplora.blockTxids(hash);
    const raws = await Promise.all(txids.map((t) => this.#esplora.txRaw(t)));
    if (!/^[0-9a-f]{64}$/.test(hash))
      throw new Error(`GET /block-height/${height}: not a block hash: ${hash}`);
    for (const c of this.#confirmables) {
      const txdata = raws.map((raw, i) => ldk.TwoTuple_usizeTransactionZ.constructor_new(i, raw));
      c.transactions_confirmed(header, txdata, height);
      c.best_block_updated(header, height);
    }
    this.#hashes.set(height, hash);
    this.#tip = { height, hash };
  }
}
