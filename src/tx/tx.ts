// src/tx/tx.ts: the plain-data transaction model, its serialization and the BIP 143 sighash.
// Serialization is @scure/btc-signer's; this file adapts our model (internal-byte-order txids,
// bigint satoshi amounts) to it and turns its throws into values. The BIP 143 digest is written
// out here (see segwitV0Sighash).
import { RawTx } from '@scure/btc-signer';
import { bytesToHex, hexToBytes, sha256d } from '../crypto/index.js';

/**
 * A reference to a transaction output. `txid` is in internal byte order: the order it has inside
 * serialized transactions and in BOLT 2 messages (`funding_txid`), i.e. sha256d(tx) as computed.
 * Block explorers and RPCs display the reverse; use `txidToHex`/`txidFromHex` at those edges.
 */
export interface Outpoint {
  txid: Uint8Array;
  index: number;
}

/** A transaction input: the outpoint it spends, its nSequence, scriptSig and witness. */
export interface TxInput {
  prevout: Outpoint;
  sequence: number;
  /** Empty for every input this module builds (all are native segwit). */
  scriptSig: Uint8Array;
  /** Witness stack items, bottom first (the witness script of a P2WSH spend comes last). */
  witness: Uint8Array[];
}

/** A transaction output: value and scriptPubKey. */
export interface TxOutput {
  amountSat: bigint;
  script: Uint8Array;
}

/** A Bitcoin transaction as plain data. */
export interface Tx {
  version: number;
  lockTime: number;
  inputs: TxInput[];
  outputs: TxOutput[];
}

/** Signature hash types (the byte appended to a witness signature). */
export const SIGHASH_ALL = 0x01;
export const SIGHASH_NONE = 0x02;
export const SIGHASH_SINGLE = 0x03;
export const SIGHASH_ANYONECANPAY = 0x80;
/** BOLT 3 (option_anchors): the counterparty's HTLC-transaction signatures use this type. */
export const SIGHASH_SINGLE_ANYONECANPAY = SIGHASH_SINGLE | SIGHASH_ANYONECANPAY;

/** Either a value or the reason the input was not acceptable. */
export type Result<T> = { ok: true; value: T } | { ok: false; reason: string };

function reversed(b: Uint8Array): Uint8Array {
  return Uint8Array.from(b).reverse();
}

/** A txid (internal order) as the hex string explorers and RPCs show. */
export function txidToHex(txid: Uint8Array): string {
  return bytesToHex(reversed(txid));
}

/** The inverse of `txidToHex`. Throws on malformed hex (an edge-only helper). */
export function txidFromHex(hex: string): Uint8Array {
  const b = hexToBytes(hex);
  if (b.length !== 32) throw new Error(`expected a 64-hex-digit txid, got ${hex.length} digits`);
  return reversed(b);
}

function toRaw(tx: Tx, withWitness: boolean) {
  const hasWitness = withWitness && tx.inputs.some((i) => i.witness.length > 0);
  return {
    version: tx.version,
    segwitFlag: hasWitness,
    // scure's coder reverses txids: it takes them in display order.
    inputs: tx.inputs.map((i) => ({
      txid: reversed(i.prevout.txid),
      index: i.prevout.index,
      finalScriptSig: i.scriptSig,
      sequence: i.sequence,
    })),
    outputs: tx.outputs.map((o) => ({ amount: o.amountSat, script: o.script })),
    witnesses: hasWitness ? tx.inputs.map((i) => i.witness) : undefined,
    lockTime: tx.lockTime,
  };
}

/**
 * Serializes a transaction. With `withWitness` (the default) inputs' witnesses are included in
 * BIP 144 form whenever any input has one; without, the legacy form used for txids.
 */
export function encodeTx(tx: Tx, withWitness = true): Uint8Array {
  return RawTx.encode(toRaw(tx, withWitness));
}

/** Parses a serialized transaction (legacy or BIP 144 form); never throws. */
export function decodeTx(raw: Uint8Array): Result<Tx> {
  try {
    const r = RawTx.decode(raw);
    const tx: Tx = {
      version: r.version,
      lockTime: r.lockTime,
      inputs: r.inputs.map((i, n) => ({
        prevout: { txid: reversed(i.txid), index: i.index },
        sequence: i.sequence,
        scriptSig: Uint8Array.from(i.finalScriptSig),
        witness: (r.witnesses?.[n] ?? []).map((w) => Uint8Array.from(w)),
      })),
      outputs: r.outputs.map((o) => ({ amountSat: o.amount, script: Uint8Array.from(o.script) })),
    };
    return { ok: true, value: tx };
  } catch (e) {
    return { ok: false, reason: `malformed transaction: ${(e as Error).message}` };
  }
}

/** The txid (internal byte order): sha256d of the serialization without witnesses. */
export function txid(tx: Tx): Uint8Array {
  return sha256d(encodeTx(tx, false));
}

/** BIP 141 weight: base size * 3 + total size. */
export function txWeight(tx: Tx): number {
  return encodeTx(tx, false).length * 3 + encodeTx(tx, true).length;
}

/** A deep copy with every witness replaced (or cleared). */
export function withWitnesses(tx: Tx, witnesses: readonly (readonly Uint8Array[])[]): Tx {
  return {
    ...tx,
    inputs: tx.inputs.map((i, n) => ({ ...i, witness: [...(witnesses[n] ?? [])] })),
  };
}

function compactSizeLength(n: number): number {
  return n < 0xfd ? 1 : n <= 0xffff ? 3 : 5;
}

/**
 * Little-endian fields into one buffer of known size: each digest of the BIP 143 hash is taken
 * over one buffer (one-shot SHA-256) instead of a dozen small arrays fed to a hash object. The
 * sighash is computed for every HTLC of every commitment signed or checked.
 */
class Fields {
  private readonly view: DataView;
  private at = 0;
  readonly bytes: Uint8Array;
  constructor(size: number) {
    this.bytes = new Uint8Array(size);
    this.view = new DataView(this.bytes.buffer);
  }
  u32(n: number): this {
    this.view.setUint32(this.at, n >>> 0, true);
    this.at += 4;
    return this;
  }
  u64(n: bigint): this {
    this.view.setBigUint64(this.at, BigInt.asUintN(64, n), true);
    this.at += 8;
    return this;
  }
  raw(b: Uint8Array): this {
    this.bytes.set(b, this.at);
    this.at += b.length;
    return this;
  }
  /** Bitcoin's CompactSize length prefix. */
  compactSize(n: number): this {
    if (n < 0xfd) this.bytes[this.at++] = n;
    else if (n <= 0xffff) {
      this.bytes[this.at++] = 0xfd;
      this.view.setUint16(this.at, n, true);
      this.at += 2;
    } else {
      this.bytes[this.at++] = 0xfe;
      this.u32(n);
    }
    return this;
  }
  outpoint(o: Outpoint): this {
    return this.raw(o.txid).u32(o.index);
  }
  output(o: TxOutput): this {
    return this.u64(o.amountSat).compactSize(o.script.length).raw(o.script);
  }
}

const outputSize = (o: TxOutput): number => 8 + compactSizeLength(o.script.length) + o.script.length;

const ZERO32: Uint8Array = new Uint8Array(32);

/**
 * The BIP 143 (segwit v0) signature hash of input `inputIndex`. `scriptCode` is the witness script
 * for P2WSH, or the P2PKH-form script for P2WPKH; `amountSat` is the spent output's value.
 * Throws only on a caller bug (index out of range).
 *
 * Written out here rather than taken from @scure/btc-signer, which parses a serialized copy of the
 * whole transaction for every call: a commitment with n HTLCs needs n of these on each side, and
 * they were the largest single cost of signing one (see docs/design-notes.md). The test
 * `test/tx/sighash.test.ts` holds it equal to scure's on random transactions and every sighash
 * type, besides BOLT 3's vectors.
 */
export function segwitV0Sighash(
  tx: Tx,
  inputIndex: number,
  scriptCode: Uint8Array,
  amountSat: bigint,
  sighashType: number,
): Uint8Array {
  if (!Number.isInteger(inputIndex) || inputIndex < 0 || inputIndex >= tx.inputs.length) {
    throw new RangeError(`input index ${inputIndex} out of range (tx has ${tx.inputs.length} inputs)`);
  }
  const base = sighashType & 0x1f;
  const anyoneCanPay = (sighashType & SIGHASH_ANYONECANPAY) !== 0;
  // BIP 143: "If the ANYONECANPAY flag is not set, hashPrevouts is the double SHA256 of the
  // serialization of all input outpoints; Otherwise, hashPrevouts is a uint256 of 0x0000......0000."
  let hashPrevouts = ZERO32;
  if (!anyoneCanPay) {
    const f = new Fields(36 * tx.inputs.length);
    for (const i of tx.inputs) f.outpoint(i.prevout);
    hashPrevouts = sha256d(f.bytes);
  }
  let hashSequence = ZERO32;
  if (!(anyoneCanPay || base === SIGHASH_SINGLE || base === SIGHASH_NONE)) {
    const f = new Fields(4 * tx.inputs.length);
    for (const i of tx.inputs) f.u32(i.sequence);
    hashSequence = sha256d(f.bytes);
  }
  let hashOutputs: Uint8Array = ZERO32;
  if (base !== SIGHASH_SINGLE && base !== SIGHASH_NONE) {
    const f = new Fields(tx.outputs.reduce((n, o) => n + outputSize(o), 0));
    for (const o of tx.outputs) f.output(o);
    hashOutputs = sha256d(f.bytes);
  } else if (base === SIGHASH_SINGLE && inputIndex < tx.outputs.length) {
    const o = tx.outputs[inputIndex]!;
    hashOutputs = sha256d(new Fields(outputSize(o)).output(o).bytes);
  }
  const input = tx.inputs[inputIndex]!;
  const preimage = new Fields(
    4 + 32 + 32 + 36 + compactSizeLength(scriptCode.length) + scriptCode.length + 8 + 4 + 32 + 4 + 4,
  )
    .u32(tx.version)
    .raw(hashPrevouts)
    .raw(hashSequence)
    .outpoint(input.prevout)
    .compactSize(scriptCode.length)
    .raw(scriptCode)
    .u64(amountSat)
    .u32(input.sequence)
    .raw(hashOutputs)
    .u32(tx.lockTime)
    .u32(sighashType);
  return sha256d(preimage.bytes);
}
