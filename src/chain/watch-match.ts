// src/chain/watch-match.ts: which transactions of a block touch watched scripts or outpoints (pure).
import { bytesToHex } from '../crypto/index.js';
import { outpointKey } from './ids.js';
import { inputOutpoint, isCoinbase, type ParsedTx } from './tx.js';
import type { OutPoint } from './types.js';

export type BlockMatch =
  | {
      kind: 'script';
      txIndex: number;
      vout: number;
      script: Uint8Array;
      valueSat: bigint;
      isCoinbase: boolean;
    }
  | { kind: 'spend'; txIndex: number; inputIndex: number; outpoint: OutPoint };

/** The key a watched script is filed under. */
export function scriptKey(script: Uint8Array): string {
  return bytesToHex(script);
}

/**
 * Every output paying a script in `scripts` (keys from `scriptKey`) and every input spending an
 * outpoint in `outpoints` (keys from `outpointKey`), in block order.
 */
export function matchBlock(
  txs: readonly ParsedTx[],
  scripts: ReadonlySet<string>,
  outpoints: ReadonlySet<string>,
): BlockMatch[] {
  const out: BlockMatch[] = [];
  if (scripts.size === 0 && outpoints.size === 0) return out;
  txs.forEach((ptx, txIndex) => {
    const coinbase = isCoinbase(ptx.tx);
    if (outpoints.size > 0 && !coinbase) {
      ptx.tx.inputs.forEach((_, inputIndex) => {
        const outpoint = inputOutpoint(ptx.tx, inputIndex);
        if (outpoints.has(outpointKey(outpoint))) out.push({ kind: 'spend', txIndex, inputIndex, outpoint });
      });
    }
    if (scripts.size > 0) {
      ptx.tx.outputs.forEach((o, vout) => {
        if (scripts.has(scriptKey(o.script))) {
          out.push({
            kind: 'script',
            txIndex,
            vout,
            script: o.script,
            valueSat: o.amount,
            isCoinbase: coinbase,
          });
        }
      });
    }
  });
  return out;
}
