// src/chain/tx.ts: parsing and identifying transactions (serialization is @scure/btc-signer's).
import { RawTx } from '@scure/btc-signer/script.js';
import { sha256d } from '../crypto/index.js';
import { ChainDataError } from './errors.js';
import type { OutPoint } from './types.js';

/** A decoded transaction as @scure/btc-signer returns it (input txids in display order). */
export type RawTxObject = ReturnType<typeof RawTx.decode>;

/** A transaction with its identity worked out once. */
export interface ParsedTx {
  /** sha256d of the serialization without witnesses, internal byte order. */
  txid: Uint8Array;
  /** The full serialization (with witnesses if any). */
  raw: Uint8Array;
  tx: RawTxObject;
}

const NULL_TXID = new Uint8Array(32);

/** The txid (internal order) of a decoded transaction. */
export function txidOf(tx: RawTxObject): Uint8Array {
  return sha256d(RawTx.encode({ ...tx, segwitFlag: false, witnesses: undefined }));
}

/** The wtxid (internal order): sha256d of the serialization with witnesses (BIP 141). */
export function wtxidOf(tx: RawTxObject): Uint8Array {
  return sha256d(RawTx.encode(tx));
}

/** Decodes a serialized transaction; throws `ChainDataError` on malformed bytes. */
export function parseTx(raw: Uint8Array): ParsedTx {
  let tx: RawTxObject;
  try {
    tx = RawTx.decode(raw);
  } catch (e) {
    throw new ChainDataError(`not a valid transaction: ${(e as Error).message}`);
  }
  return { txid: txidOf(tx), raw, tx };
}

/** The outpoint an input spends, with the txid turned into internal order. */
export function inputOutpoint(tx: RawTxObject, index: number): OutPoint {
  const input = tx.inputs[index];
  if (input === undefined) throw new RangeError(`no input ${index}`);
  return { txid: Uint8Array.from(input.txid).reverse(), vout: input.index };
}

/** True for a coinbase: one input spending the null outpoint. */
export function isCoinbase(tx: RawTxObject): boolean {
  const input = tx.inputs[0];
  return (
    tx.inputs.length === 1 &&
    input !== undefined &&
    input.index === 0xffffffff &&
    input.txid.every((b: number, i: number) => b === NULL_TXID[i])
  );
}

/** Weight units (BIP 141): 3 x base size + total size. */
export function txWeight(tx: RawTxObject): number {
  const base = RawTx.encode({ ...tx, segwitFlag: false, witnesses: undefined }).length;
  const total = RawTx.encode(tx).length;
  return base * 3 + total;
}
