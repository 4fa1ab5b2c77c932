// src/chain/p2wpkh.ts: pay-to-witness-pubkey-hash outputs and their signatures (BIP 141/143).
// Shared by the devnet faucet and the wallet; sighashes come from @scure/btc-signer, the
// signature from src/crypto (libsecp256k1).
import type { Transaction } from '@scure/btc-signer';
import { SigHash } from '@scure/btc-signer';
import { concatBytes, ecdsaSign, hash160, signatureToDer } from '../crypto/index.js';

/** OP_0 <20-byte key hash>. */
export function p2wpkhScript(publicKey: Uint8Array): Uint8Array {
  return concatBytes(new Uint8Array([0x00, 0x14]), hash160(publicKey));
}

/** OP_0 <32-byte sha256(witnessScript)>. */
export function p2wshScript(witnessScriptHash32: Uint8Array): Uint8Array {
  return concatBytes(new Uint8Array([0x00, 0x20]), witnessScriptHash32);
}

/** BIP 143: the scriptCode of a P2WPKH input is the P2PKH script of the same key hash. */
export function p2wpkhScriptCode(publicKey: Uint8Array): Uint8Array {
  return concatBytes(new Uint8Array([0x76, 0xa9, 0x14]), hash160(publicKey), new Uint8Array([0x88, 0xac]));
}

/** A DER signature with its sighash byte, as witness stacks carry it. */
export function signWitnessV0(
  tx: Transaction,
  inputIndex: number,
  scriptCode: Uint8Array,
  amountSat: bigint,
  privateKey: Uint8Array,
  sighashType: number = SigHash.ALL,
): Uint8Array {
  const digest = tx.preimageWitnessV0(inputIndex, scriptCode, sighashType, amountSat);
  return concatBytes(signatureToDer(ecdsaSign(digest, privateKey)), new Uint8Array([sighashType]));
}

/** Signs input `inputIndex` as P2WPKH and sets its witness to [signature, publicKey]. */
export function signP2wpkhInput(
  tx: Transaction,
  inputIndex: number,
  amountSat: bigint,
  privateKey: Uint8Array,
  publicKey: Uint8Array,
): void {
  const sig = signWitnessV0(tx, inputIndex, p2wpkhScriptCode(publicKey), amountSat, privateKey);
  tx.updateInput(inputIndex, { finalScriptWitness: [sig, publicKey] }, true);
}
