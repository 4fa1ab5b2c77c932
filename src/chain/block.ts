// src/chain/block.ts: 80-byte headers, merkle roots and whole blocks.
import { BTCArray, RawTx } from '@scure/btc-signer/script.js';
import { concatBytes, equalBytes, sha256d } from '../crypto/index.js';
import { ChainDataError } from './errors.js';
import { hashToHex } from './ids.js';
import { type ParsedTx, txidOf } from './tx.js';

export const HEADER_SIZE = 80;

export interface BlockHeader {
  version: number;
  /** Internal byte order. */
  prevBlockHash: Uint8Array;
  /** Internal byte order. */
  merkleRoot: Uint8Array;
  /** Unix seconds. */
  time: number;
  /** Compact target ("nBits"). */
  bits: number;
  nonce: number;
}

export interface ParsedBlock {
  /** sha256d of the header, internal byte order. */
  hash: Uint8Array;
  header: BlockHeader;
  headerBytes: Uint8Array;
  txs: ParsedTx[];
}

export function encodeHeader(h: BlockHeader): Uint8Array {
  const out = new Uint8Array(HEADER_SIZE);
  const v = new DataView(out.buffer);
  v.setInt32(0, h.version, true);
  out.set(h.prevBlockHash, 4);
  out.set(h.merkleRoot, 36);
  v.setUint32(68, h.time, true);
  v.setUint32(72, h.bits, true);
  v.setUint32(76, h.nonce, true);
  return out;
}

export function decodeHeader(bytes: Uint8Array): BlockHeader {
  if (bytes.length !== HEADER_SIZE)
    throw new ChainDataError(`expected an 80-byte header, got ${bytes.length}`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    version: v.getInt32(0, true),
    prevBlockHash: bytes.slice(4, 36),
    merkleRoot: bytes.slice(36, 68),
    time: v.getUint32(68, true),
    bits: v.getUint32(72, true),
    nonce: v.getUint32(76, true),
  };
}

/** The block hash (internal order) of a serialized header. */
export function headerHash(header: Uint8Array): Uint8Array {
  return sha256d(header);
}

/** Bitcoin's merkle root of internal-order hashes (the last one doubled on odd levels). */
export function merkleRoot(hashes: readonly Uint8Array[]): Uint8Array {
  if (hashes.length === 0) throw new RangeError('merkle root of no hashes');
  let level = [...hashes];
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) {
      const a = level[i]!;
      const b = level[i + 1] ?? a;
      next.push(sha256d(concatBytes(a, b)));
    }
    level = next;
  }
  return level[0]!;
}

/**
 * The merkle branch proving `hashes[index]` (sibling hashes bottom-up, internal order), the
 * form Electrum's `blockchain.transaction.get_merkle` and Esplora's `/merkle-proof` return.
 */
export function merkleBranch(hashes: readonly Uint8Array[], index: number): Uint8Array[] {
  const branch: Uint8Array[] = [];
  let level = [...hashes];
  let i = index;
  while (level.length > 1) {
    branch.push(level[i ^ 1] ?? level[i]!);
    const next: Uint8Array[] = [];
    for (let j = 0; j < level.length; j += 2)
      next.push(sha256d(concatBytes(level[j]!, level[j + 1] ?? level[j]!)));
    level = next;
    i >>= 1;
  }
  return branch;
}

/** The proof-of-work target encoded by compact `bits`. */
export function targetFromBits(bits: number): bigint {
  const exponent = bits >>> 24;
  const mantissa = BigInt(bits & 0x7fffff);
  return exponent <= 3 ? mantissa >> BigInt(8 * (3 - exponent)) : mantissa << BigInt(8 * (exponent - 3));
}

/** True if the header's hash, read as a little-endian number, is at most its target. */
export function checkProofOfWork(header: Uint8Array): boolean {
  const bits = new DataView(header.buffer, header.byteOffset, header.byteLength).getUint32(72, true);
  const hash = headerHash(header);
  let n = 0n;
  for (let i = 31; i >= 0; i--) n = (n << 8n) | BigInt(hash[i]!);
  return n <= targetFromBits(bits);
}

const TxList = BTCArray(RawTx);

/** Serializes a block from its header and serialized transactions. */
export function encodeBlock(header: Uint8Array, rawTxs: readonly Uint8Array[]): Uint8Array {
  const txs = rawTxs.map((r) => RawTx.decode(r));
  return concatBytes(header, TxList.encode(txs));
}

/**
 * Decodes a serialized block and checks that its transactions hash to the header's merkle
 * root, so a backend cannot hand us transactions that the header does not commit to.
 */
export function decodeBlock(raw: Uint8Array): ParsedBlock {
  if (raw.length < HEADER_SIZE + 1) throw new ChainDataError(`block of ${raw.length} bytes is too short`);
  const headerBytes = raw.slice(0, HEADER_SIZE);
  const header = decodeHeader(headerBytes);
  let decoded: ReturnType<typeof TxList.decode>;
  try {
    decoded = TxList.decode(raw.subarray(HEADER_SIZE));
  } catch (e) {
    throw new ChainDataError(`block transactions do not parse: ${(e as Error).message}`);
  }
  if (decoded.length === 0) throw new ChainDataError('block has no transactions');
  const txs = decoded.map((tx) => ({ txid: txidOf(tx), raw: RawTx.encode(tx), tx }));
  const root = merkleRoot(txs.map((t) => t.txid));
  const hash = headerHash(headerBytes);
  if (!equalBytes(root, header.merkleRoot)) {
    throw new ChainDataError(`block ${hashToHex(hash)}: transactions do not match the header's merkle root`);
  }
  return { hash, header, headerBytes, txs };
}
