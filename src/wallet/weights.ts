// src/wallet/weights.ts: transaction weights (BIP 141 weight units) the fee is computed from.
// Estimates are upper bounds: signatures are counted at their longest DER form (72 bytes with
// the sighash byte), so the fee rate actually paid is never below the one asked for.

/** version (4) + locktime (4) + input and output counts (1 each) at 4 WU/byte, + marker and flag (2 WU). */
export const TX_OVERHEAD_WEIGHT = 4 * (4 + 4 + 1 + 1) + 2;

/** outpoint (36) + empty scriptSig (1) + sequence (4), non-witness. */
export const INPUT_BASE_WEIGHT = 4 * (36 + 1 + 4);

/** P2WPKH witness: item count, signature (1 + 72), public key (1 + 33). */
export const P2WPKH_WITNESS_WEIGHT = 1 + 1 + 72 + 1 + 33;

export const P2WPKH_INPUT_WEIGHT = INPUT_BASE_WEIGHT + P2WPKH_WITNESS_WEIGHT;

/** value (8) + script length (1) + script. */
export function outputWeight(script: Uint8Array): number {
  return 4 * (8 + (script.length < 0xfd ? 1 : 3) + script.length);
}

/** P2WPKH output: 4 * (8 + 1 + 22). */
export const P2WPKH_OUTPUT_WEIGHT = 4 * (8 + 1 + 22);
