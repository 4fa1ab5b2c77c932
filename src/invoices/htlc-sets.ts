// src/invoices/htlc-sets.ts: the HTLCs collected per payment hash: parts of a multi-part payment
// waiting for the rest, or a hold invoice's complete set waiting for settle/cancel. In memory:
// after a restart the channel layer replays unresolved HTLCs and the sets fill again.
import { bytesToHex } from '../crypto/index.js';
import type { CustomRecords } from '../store/index.js';
import { htlcKeyString } from './htlc-key.js';
import type { HtlcSetView, IncomingHtlc } from './types.js';

export interface SetPart {
  htlc: IncomingHtlc;
  amtToForwardMsat: bigint;
  records: CustomRecords;
  /** The block height when it arrived (reported in a later `incorrect_or_unknown_payment_details`). */
  height: number;
}

export interface HtlcSet {
  paymentHash: Uint8Array;
  totalMsat: bigint;
  /** By `htlcKeyString`, in arrival order. */
  parts: Map<string, SetPart>;
  /** When the first part arrived (unix ms): the MPP timeout counts from here. */
  firstArrivalMs: number;
  held: boolean;
}

export class HtlcSets {
  readonly #sets = new Map<string, HtlcSet>();

  get size(): number {
    return this.#sets.size;
  }

  get(paymentHash: Uint8Array): HtlcSet | undefined {
    return this.#sets.get(bytesToHex(paymentHash));
  }

  /** What the decision needs to know about the set for this hash. */
  view(paymentHash: Uint8Array): HtlcSetView | undefined {
    const set = this.get(paymentHash);
    if (set === undefined) return undefined;
    let receivedMsat = 0n;
    for (const p of set.parts.values()) receivedMsat += p.amtToForwardMsat;
    return { totalMsat: set.totalMsat, receivedMsat, htlcs: new Set(set.parts.keys()), held: set.held };
  }

  /** Adds a part (a second add of the same HTLC is a no-op); creates the set on its first part. */
  add(part: SetPart, totalMsat: bigint, nowMs: number): HtlcSet {
    const hash = bytesToHex(part.htlc.paymentHash);
    let set = this.#sets.get(hash);
    if (set === undefined) {
      set = {
        paymentHash: part.htlc.paymentHash,
        totalMsat,
        parts: new Map(),
        firstArrivalMs: nowMs,
        held: false,
      };
      this.#sets.set(hash, set);
    }
    const key = htlcKeyString(part.htlc);
    if (!set.parts.has(key)) set.parts.set(key, part);
    return set;
  }

  /** Removes and returns the set for this hash. */
  take(paymentHash: Uint8Array): HtlcSet | undefined {
    const hash = bytesToHex(paymentHash);
    const set = this.#sets.get(hash);
    this.#sets.delete(hash);
    return set;
  }

  /** Incomplete sets whose first part arrived `timeoutMs` or longer before `nowMs`. */
  timedOut(nowMs: number, timeoutMs: number): HtlcSet[] {
    return [...this.#sets.values()].filter((s) => !s.held && nowMs - s.firstArrivalMs >= timeoutMs);
  }

  /** Held sets with a part whose `cltv_expiry` is at or below `height`. */
  heldExpiringBy(height: number): HtlcSet[] {
    return [...this.#sets.values()].filter(
      (s) => s.held && [...s.parts.values()].some((p) => p.htlc.cltvExpiry <= height),
    );
  }

  all(): HtlcSet[] {
    return [...this.#sets.values()];
  }
}
