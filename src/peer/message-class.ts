// src/peer/message-class.ts: which layer a message type belongs to (BOLT 1 "Lightning Message
// Format" groups types by range).

/**
 * BOLT 1: "Setup & Control (types `0`-`31`)", "Channel (types `32`-`127`)", "Commitment (types
 * `128`-`255`)", "Routing (types `256`-`511`)", "Custom (types `32768`-`65535`)"; the rest is
 * not assigned to any group.
 */
export type MessageGroup = 'setup' | 'channel' | 'commitment' | 'routing' | 'custom' | 'unassigned';

export function messageGroup(type: number): MessageGroup {
  if (type < 32) return 'setup';
  if (type < 128) return 'channel';
  if (type < 256) return 'commitment';
  if (type < 512) return 'routing';
  if (type >= 32768) return 'custom';
  return 'unassigned';
}
