// src/tx/order.ts: BOLT 3 "Transaction Output Ordering" (BIP 69 with the CLTV tie-break).
import { compareBytes } from './scripts.js';

/** What the ordering looks at: the amount, the script, and for HTLC outputs the cltv_expiry. */
export interface SortableOutput {
  amountSat: bigint;
  script: Uint8Array;
  cltvExpiry?: number;
}

/**
 * Compares two outputs in BOLT 3 order. Outputs equal in every compared field are identical on
 * chain, so their relative order does not change the transaction.
 * BOLT 3: first according to their value, smallest first (in whole satoshis, note that for HTLC outputs, the millisatoshi part must be ignored)
 * BOLT 3: followed by `scriptpubkey`, comparing the common-length prefix lexicographically as if by `memcmp`, then selecting the shorter script (if they differ in length),
 * BOLT 3: finally, for HTLC outputs, in increasing `cltv_expiry` order.
 */
export function compareOutputs(a: SortableOutput, b: SortableOutput): number {
  if (a.amountSat !== b.amountSat) return a.amountSat < b.amountSat ? -1 : 1;
  const byScript = compareBytes(a.script, b.script);
  if (byScript !== 0) return byScript;
  return (a.cltvExpiry ?? 0) - (b.cltvExpiry ?? 0);
}

/** A sorted copy (stable, so equal outputs keep the caller's order). */
export function sortOutputs<T extends SortableOutput>(outputs: readonly T[]): T[] {
  return [...outputs].sort(compareOutputs);
}
