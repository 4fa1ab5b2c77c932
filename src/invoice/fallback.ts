// src/invoice/fallback.ts: the `f` field (on-chain fallback) and its Bitcoin address form.
import { bech32, bech32m, createBase58check } from '@scure/base';
import { concatBytes, sha256 } from '../crypto/index.js';
import type { FallbackAddress, Network } from './types.js';

export const FALLBACK_P2PKH = 17;
export const FALLBACK_P2SH = 18;

/** True for the versions BOLT 11 defines for Bitcoin: witness 0–16, 17 (P2PKH), 18 (P2SH). */
export function isKnownFallbackVersion(version: number): boolean {
  return Number.isInteger(version) && version >= 0 && version <= FALLBACK_P2SH;
}

/**
 * Why a fallback with a known version is not a valid address, or undefined if it is.
 * Lengths follow BIP 141 (witness v0: 20 or 32 bytes; v1–16: 2–40) and the 20-byte hashes.
 */
export function fallbackProblem(f: FallbackAddress): string | undefined {
  const n = f.program.length;
  if (f.version === FALLBACK_P2PKH || f.version === FALLBACK_P2SH) {
    return n === 20
      ? undefined
      : `a ${f.version === FALLBACK_P2PKH ? 'P2PKH' : 'P2SH'} hash is 20 bytes, got ${n}`;
  }
  if (f.version === 0)
    return n === 20 || n === 32 ? undefined : `a v0 witness program is 20 or 32 bytes, got ${n}`;
  if (f.version >= 1 && f.version <= 16) {
    return n >= 2 && n <= 40 ? undefined : `a v${f.version} witness program is 2 to 40 bytes, got ${n}`;
  }
  return `unknown fallback version ${f.version}`;
}

const BASE58_VERSIONS: Readonly<Record<Network, { p2pkh: number; p2sh: number }>> = {
  bitcoin: { p2pkh: 0x00, p2sh: 0x05 },
  testnet: { p2pkh: 0x6f, p2sh: 0xc4 },
  signet: { p2pkh: 0x6f, p2sh: 0xc4 },
  regtest: { p2pkh: 0x6f, p2sh: 0xc4 },
};
const SEGWIT_HRP: Readonly<Record<Network, string>> = {
  bitcoin: 'bc',
  testnet: 'tb',
  signet: 'tb',
  regtest: 'bcrt',
};
const base58check = createBase58check(sha256);

/** The Bitcoin address a fallback pays to, for display (base58check or bech32/bech32m per BIP 350). */
export function fallbackAddressToString(f: FallbackAddress, network: Network): string {
  const problem = fallbackProblem(f);
  if (problem !== undefined) throw new RangeError(`not a valid fallback address: ${problem}`);
  const v = BASE58_VERSIONS[network];
  if (f.version === FALLBACK_P2PKH) return base58check.encode(concatBytes(Uint8Array.of(v.p2pkh), f.program));
  if (f.version === FALLBACK_P2SH) return base58check.encode(concatBytes(Uint8Array.of(v.p2sh), f.program));
  const coder = f.version === 0 ? bech32 : bech32m;
  return coder.encode(SEGWIT_HRP[network], [f.version, ...coder.toWords(f.program)], false);
}
