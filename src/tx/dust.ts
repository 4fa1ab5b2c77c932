// src/tx/dust.ts: Bitcoin Core's dust thresholds (BOLT 3 "Dust Limits").
// Core prices an output at 3000 sat/kvB over its own size plus the smallest input that could
// spend it; BOLT 3's table is this formula evaluated for the common templates:
//   BOLT 3: pay to pubkey hash (p2pkh): 546 satoshis
//   BOLT 3: pay to script hash (p2sh): 540 satoshis
//   BOLT 3: pay to witness pubkey hash (p2wpkh): 294 satoshis
//   BOLT 3: pay to witness script hash (p2wsh): 330 satoshis
//   BOLT 3: pay to anchor (p2a): 240 satoshis
//   BOLT 3: unknown segwit versions: 354 satoshis
// (354 is the bound for the longest, 40-byte, witness program; Core charges shorter ones less,
// e.g. 330 for P2TR, and so do we.)

const DUST_RELAY_FEE_PER_KVB = 3000;
/**
 * BOLT 3: A p2pkh input is at least 148 bytes:
 */
const LEGACY_INPUT_BYTES = 148;
/**
 * BOLT 3: A p2wpkh input is at least 67 bytes (depending on the signature length):
 */
const WITNESS_INPUT_BYTES = 67;

/** True if `script` is a BIP 141 witness program: a version opcode then one 2..40-byte push. */
export function isWitnessProgram(script: Uint8Array): boolean {
  const v = script[0];
  if (script.length < 4 || script.length > 42 || v === undefined) return false;
  if (v !== 0x00 && (v < 0x51 || v > 0x60)) return false;
  return script[1] === script.length - 2;
}

function compactSizeLength(n: number): number {
  return n < 0xfd ? 1 : n <= 0xffff ? 3 : 5;
}

/** The dust threshold of an output to `script`, in satoshis. */
export function dustThresholdSat(script: Uint8Array): bigint {
  // BOLT 3: `OP_RETURN` outputs: these are never dust
  if (script[0] === 0x6a) return 0n;
  const outputBytes = 8 + compactSizeLength(script.length) + script.length;
  const inputBytes = isWitnessProgram(script) ? WITNESS_INPUT_BYTES : LEGACY_INPUT_BYTES;
  return BigInt(Math.floor(((outputBytes + inputBytes) * DUST_RELAY_FEE_PER_KVB) / 1000));
}

/** True if an output of `amountSat` to `script` is dust by Bitcoin Core's thresholds. */
export function isDust(script: Uint8Array, amountSat: bigint): boolean {
  return amountSat < dustThresholdSat(script);
}
