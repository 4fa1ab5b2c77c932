// src/chain/ids.ts: txids, block hashes and outpoints, in bytes inside and hex at the edges.
//
// Hashes are kept in *internal* byte order: the raw sha256d output, as it appears inside
// serialized transactions and block headers (and as BOLT 2's `funding_txid` carries it).
// Bitcoin Core, Esplora and block explorers print them byte-reversed; only `hashToHex` and
// `hashFromHex` cross that boundary.
import { bytesToHex, hexToBytes } from '../crypto/index.js';
import type { OutPoint } from './types.js';

/** Display (RPC / explorer) hex of an internal-order txid or block hash. */
export function hashToHex(hash: Uint8Array): string {
  return bytesToHex(Uint8Array.from(hash).reverse());
}

/** Internal-order bytes of a txid or block hash printed in display (RPC / explorer) order. */
export function hashFromHex(hex: string): Uint8Array {
  const b = hexToBytes(hex);
  if (b.length !== 32) throw new RangeError(`expected a 32-byte hash in hex, got ${hex.length / 2} bytes`);
  return b.reverse();
}

/** A map key for an outpoint: `<display txid>:<vout>`, the form explorers print. */
export function outpointKey(outpoint: OutPoint): string {
  return `${hashToHex(outpoint.txid)}:${outpoint.vout}`;
}

/** Inverse of `outpointKey`. */
export function outpointFromKey(key: string): OutPoint {
  const i = key.lastIndexOf(':');
  return { txid: hashFromHex(key.slice(0, i)), vout: Number(key.slice(i + 1)) };
}
