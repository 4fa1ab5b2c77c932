// src/tx/sign.ts: signatures over transaction inputs. Compact 64-byte signatures travel on the
// wire (BOLT 2); witnesses carry strict DER plus the sighash byte.
import { concatBytes, ecdsaSign, ecdsaVerify, signatureFromDer, signatureToDer } from '../crypto/index.js';
import { isStrictDerSignature } from './der.js';
import { SIGHASH_ALL, segwitV0Sighash, type Tx } from './tx.js';

/**
 * Signs input `inputIndex` (segwit v0). `scriptCode` is the witness script for P2WSH.
 * Returns the 64-byte compact signature; libsecp256k1 always produces low-S.
 */
export function signInput(
  tx: Tx,
  inputIndex: number,
  scriptCode: Uint8Array,
  amountSat: bigint,
  privkey: Uint8Array,
  sighashType: number = SIGHASH_ALL,
): Uint8Array {
  return ecdsaSign(segwitV0Sighash(tx, inputIndex, scriptCode, amountSat, sighashType), privkey);
}

/**
 * Verifies a counterparty's compact signature on input `inputIndex` of exactly the transaction
 * we expect. High-S signatures are rejected (libsecp256k1's rule, and BOLT 2's).
 */
export function verifyInputSignature(
  tx: Tx,
  inputIndex: number,
  scriptCode: Uint8Array,
  amountSat: bigint,
  pubkey: Uint8Array,
  sig64: Uint8Array,
  sighashType: number = SIGHASH_ALL,
): boolean {
  if (sig64.length !== 64 || inputIndex < 0 || inputIndex >= tx.inputs.length) return false;
  return ecdsaVerify(sig64, segwitV0Sighash(tx, inputIndex, scriptCode, amountSat, sighashType), pubkey);
}

/** A compact signature as a witness item: strict DER followed by the sighash byte. */
export function encodeWitnessSignature(sig64: Uint8Array, sighashType: number = SIGHASH_ALL): Uint8Array {
  return concatBytes(signatureToDer(sig64), Uint8Array.of(sighashType));
}

/** Splits a witness signature into its compact form and sighash type; undefined if not strict DER. */
export function decodeWitnessSignature(
  item: Uint8Array,
): { sig64: Uint8Array; sighashType: number } | undefined {
  if (item.length < 2) return undefined;
  const der = item.subarray(0, item.length - 1);
  if (!isStrictDerSignature(der)) return undefined;
  try {
    return { sig64: signatureFromDer(der), sighashType: item[item.length - 1]! };
  } catch {
    return undefined;
  }
}
