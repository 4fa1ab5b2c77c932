// src/wallet/ledger.ts: how chain events and the wallet's own transactions change its coins (pure).
// The wallet shell applies these and carries out what they return (watch more, persist).
import {
  type ChainEvent,
  hashToHex,
  inputOutpoint,
  type OutPoint,
  outpointKey,
  parseTx,
  scriptKey,
} from '../chain/index.js';
import type { AddressBranch } from './keys.js';
import type { WalletState } from './state.js';

/** Which wallet address (if any) an output script belongs to, by `scriptKey`. */
export type AddressLookup = (scriptKeyHex: string) => { branch: AddressBranch; index: number } | undefined;

export interface LedgerEffect {
  /** The state changed and must be stored. */
  changed: boolean;
  /** An address at or past the branch's `next` was used: the gap window moves (scan from `height`). */
  used?: { branch: AddressBranch; height: number };
  /** A coin to follow for spends (scanning from `fromHeight` if given). */
  watch?: { outpoint: OutPoint; fromHeight?: number };
}

const NONE: LedgerEffect = { changed: false };

/** Applies one ChainSource event. */
export function applyChainEvent(s: WalletState, e: ChainEvent, lookup: AddressLookup): LedgerEffect {
  switch (e.kind) {
    case 'script_confirmed': {
      const owner = lookup(scriptKey(e.script));
      if (owner === undefined) return NONE;
      let changed = false;
      const key = outpointKey({ txid: e.txid, vout: e.vout });
      const c = s.coins.get(key);
      if (c === undefined) {
        s.coins.set(key, {
          txid: e.txid,
          vout: e.vout,
          valueSat: e.valueSat,
          branch: owner.branch,
          index: owner.index,
          coinbase: e.isCoinbase,
          height: e.height,
        });
        changed = true;
      } else if (c.height !== e.height) {
        c.height = e.height;
        changed = true;
      }
      const own = s.ownTxs.get(hashToHex(e.txid));
      if (own !== undefined && own.height !== e.height) {
        own.height = e.height;
        changed = true;
      }
      const effect: LedgerEffect = {
        changed,
        watch: { outpoint: { txid: e.txid, vout: e.vout }, fromHeight: e.height },
      };
      // BIP 44 gap limit: a used address moves the window of watched ones.
      if (owner.index >= s.next[owner.branch]) {
        s.next[owner.branch] = owner.index + 1;
        effect.changed = true;
        effect.used = { branch: owner.branch, height: e.height };
      }
      return effect;
    }
    case 'outpoint_spent': {
      const c = s.coins.get(outpointKey(e.outpoint));
      if (c === undefined) return NONE;
      let changed = false;
      if (c.spentBy === undefined || c.spentBy.height !== e.height) {
        c.spentBy = { txid: e.spendingTxid, height: e.height };
        delete c.lockedBy;
        changed = true;
      }
      const own = s.ownTxs.get(hashToHex(e.spendingTxid));
      if (own !== undefined && own.height !== e.height) {
        own.height = e.height;
        changed = true;
      }
      return { changed };
    }
    case 'tx_unconfirmed': {
      const id = hashToHex(e.txid);
      let changed = false;
      for (const c of s.coins.values()) {
        if (c.height !== undefined && hashToHex(c.txid) === id) {
          delete c.height;
          changed = true;
        }
        // Only the wallet can spend its coins, so the spend stays valid: it is just unconfirmed again.
        if (c.spentBy?.height !== undefined && hashToHex(c.spentBy.txid) === id) {
          delete c.spentBy.height;
          changed = true;
        }
      }
      const own = s.ownTxs.get(id);
      if (own?.height !== undefined) {
        delete own.height;
        changed = true;
      }
      return { changed };
    }
    case 'block_connected':
      s.syncedHeight = e.height;
      return { changed: true };
    case 'block_disconnected':
      s.syncedHeight = e.height - 1;
      return { changed: true };
  }
}

/**
 * Records a transaction about to be broadcast: its wallet inputs become spent (and unlocked),
 * its outputs to wallet addresses become unconfirmed coins. Returns the new coins, or
 * undefined if the transaction does not touch the wallet.
 */
export function recordOwnTx(s: WalletState, raw: Uint8Array, lookup: AddressLookup): OutPoint[] | undefined {
  const { tx, txid } = parseTx(raw);
  const txidHex = hashToHex(txid);
  let touches = false;
  const created: OutPoint[] = [];
  tx.inputs.forEach((_, i) => {
    const c = s.coins.get(outpointKey(inputOutpoint(tx, i)));
    if (c === undefined) return;
    touches = true;
    c.spentBy ??= { txid };
    delete c.lockedBy;
  });
  tx.outputs.forEach((o, vout) => {
    const owner = lookup(scriptKey(o.script));
    if (owner === undefined) return;
    touches = true;
    const key = `${txidHex}:${vout}`;
    if (s.coins.has(key)) return;
    s.coins.set(key, {
      txid,
      vout,
      valueSat: o.amount,
      branch: owner.branch,
      index: owner.index,
      coinbase: false,
    });
    created.push({ txid, vout });
  });
  if (!touches) return undefined;
  if (!s.ownTxs.has(txidHex)) s.ownTxs.set(txidHex, { raw });
  return created;
}

/** Undoes `recordOwnTx` for a transaction the network refused (unless it has since confirmed). */
export function forgetOwnTx(s: WalletState, raw: Uint8Array): void {
  const { tx, txid } = parseTx(raw);
  const txidHex = hashToHex(txid);
  if (s.ownTxs.get(txidHex)?.height !== undefined) return;
  s.ownTxs.delete(txidHex);
  tx.inputs.forEach((_, i) => {
    const c = s.coins.get(outpointKey(inputOutpoint(tx, i)));
    if (c?.spentBy !== undefined && c.spentBy.height === undefined && hashToHex(c.spentBy.txid) === txidHex) {
      delete c.spentBy;
    }
  });
  tx.outputs.forEach((_, vout) => {
    const c = s.coins.get(`${txidHex}:${vout}`);
    if (c !== undefined && c.height === undefined) s.coins.delete(`${txidHex}:${vout}`);
  });
}
