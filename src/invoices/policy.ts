// src/invoices/policy.ts: the receive policy's defaults.
import { KNOWN_APP_EVEN_TYPES } from '../onion/index.js';
import type { ReceivePolicy } from './types.js';

/**
 * Defaults: keysend on; a final CLTV of at least 18 blocks (BOLT 11's default `c`; senders use
 * 40 plus shadow-route offsets, so this is a floor, never an exact value); any amount of at least
 * 1 msat; records up to the size of a whole onion payload (1300 bytes, i.e. no extra limit); the
 * app records ksnode decodes as the known even types; multi-part payments on.
 */
export const DEFAULT_RECEIVE_POLICY: Readonly<ReceivePolicy> = Object.freeze({
  acceptKeysend: true,
  keysendMinFinalCltvExpiryDelta: 18,
  minKeysendAmountMsat: 1n,
  maxCustomRecordsBytes: 1300,
  knownEvenTypes: KNOWN_APP_EVEN_TYPES,
  acceptMpp: true,
});

/** The defaults with `overrides` applied; `knownEvenTypes` given there are added to the app types. */
export function receivePolicy(overrides: Partial<ReceivePolicy> = {}): ReceivePolicy {
  const knownEvenTypes = new Set([...KNOWN_APP_EVEN_TYPES, ...(overrides.knownEvenTypes ?? [])]);
  for (const t of knownEvenTypes) {
    if (t % 2n !== 0n) throw new RangeError(`knownEvenTypes: ${t} is odd; odd types are always accepted`);
  }
  return { ...DEFAULT_RECEIVE_POLICY, ...overrides, knownEvenTypes };
}
