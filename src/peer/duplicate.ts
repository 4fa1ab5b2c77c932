// src/peer/duplicate.ts: which of two connections to the same peer survives (BOLT 1 allows one).

export type PeerDirection = 'inbound' | 'outbound';

/**
 * Whether a new connection to a peer replaces the existing one (BOLT 1: "MUST use a single
 * connection per peer"). Normally the newer wins: the old one is likely dead (the peer restarted).
 * But when both sides dialled each other at once, each sees the other's connection arrive second;
 * then both keep the connection initiated by the node with the smaller node id, so they agree.
 */
export function keepNewConnection(
  existing: { direction: PeerDirection; establishedAt: number },
  incoming: { direction: PeerDirection; establishedAt: number },
  localNodeId: Uint8Array,
  remoteNodeId: Uint8Array,
  raceWindowMs: number,
): boolean {
  const race =
    existing.direction !== incoming.direction &&
    incoming.establishedAt - existing.establishedAt < raceWindowMs;
  if (!race) return true;
  const localIsSmaller = compareBytes(localNodeId, remoteNodeId) < 0;
  // Keep the connection the smaller node initiated: ours is the outbound one.
  return localIsSmaller === (incoming.direction === 'outbound');
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}
