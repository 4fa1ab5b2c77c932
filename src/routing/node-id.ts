// src/routing/node-id.ts: node ids (33-byte compressed public keys) as the graph sees them.
import { bytesToHex, hexToBytes } from '../crypto/index.js';

export const NODE_ID_LENGTH = 33;

/** True for a 33-byte value with a compressed-point prefix (0x02/0x03); the curve check is gossip's job. */
export function isNodeId(id: Uint8Array): boolean {
  return id.length === NODE_ID_LENGTH && (id[0] === 0x02 || id[0] === 0x03);
}

/** The interning key of a node id (lowercase hex). */
export function nodeKey(id: Uint8Array): string {
  return bytesToHex(id);
}

/** Lexicographic byte order; negative when `a` sorts first. */
export function compareNodeIds(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/**
 * The `direction` bit of a channel_update sent by `from` for its channel with `to`.
 * BOLT 7: "if the origin node is `node_id_1` in the message: MUST set the `direction` bit of
 * `channel_flags` to 0." and `node_id_1` is the lexicographically-lesser key.
 */
export function directionOf(from: Uint8Array, to: Uint8Array): 0 | 1 {
  return compareNodeIds(from, to) < 0 ? 0 : 1;
}

/** Parses a node id from hex at an edge (API, CLI, loaders); undefined if it is not one. */
export function nodeIdFromHex(hex: string): Uint8Array | undefined {
  if (!/^[0-9a-fA-F]{66}$/.test(hex)) return undefined;
  const id = hexToBytes(hex);
  return isNodeId(id) ? id : undefined;
}
