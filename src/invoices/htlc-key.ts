// src/invoices/htlc-key.ts: one string per incoming HTLC, for sets, maps and the stored meta.
import { bytesToHex } from '../crypto/index.js';
import type { HtlcKey } from './types.js';

/** `<channel id hex>:<htlc id>`: stable across restarts, so a replayed HTLC is recognized. */
export function htlcKeyString(key: HtlcKey): string {
  return `${bytesToHex(key.channelId)}:${key.htlcId}`;
}
