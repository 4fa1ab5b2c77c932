// src/chain/recent-chain.ts: the last N block ids a watcher has processed (pure).
// Kept to find where a backend's chain forks from ours after a reorg.
import { equalBytes } from '../crypto/index.js';
import type { BlockId } from './types.js';

export class RecentChain {
  private blocks: BlockId[] = [];

  /** `window` bounds memory and the deepest reorg that can be followed. */
  constructor(readonly window: number) {
    if (!Number.isInteger(window) || window < 1) throw new RangeError(`window must be >= 1, got ${window}`);
  }

  get tip(): BlockId | undefined {
    return this.blocks[this.blocks.length - 1];
  }

  /** The lowest height still remembered. */
  get lowest(): number | undefined {
    return this.blocks[0]?.height;
  }

  hashAt(height: number): Uint8Array | undefined {
    const first = this.blocks[0];
    if (first === undefined) return undefined;
    return this.blocks[height - first.height]?.hash;
  }

  /** Appends the next block; its height must follow the tip's. */
  push(block: BlockId): void {
    const tip = this.tip;
    if (tip !== undefined && block.height !== tip.height + 1) {
      throw new RangeError(`block ${block.height} does not follow tip ${tip.height}`);
    }
    this.blocks.push({ height: block.height, hash: block.hash });
    if (this.blocks.length > this.window) this.blocks.shift();
  }

  /** Removes every block above `height`, returning them top-down. */
  rollbackTo(height: number): BlockId[] {
    const removed: BlockId[] = [];
    while (this.tip !== undefined && this.tip.height > height) removed.push(this.blocks.pop()!);
    return removed;
  }

  /** True if we remember `block` at its height. */
  contains(block: BlockId): boolean {
    const h = this.hashAt(block.height);
    return h !== undefined && equalBytes(h, block.hash);
  }
}
