// src/wallet/builder.ts: assembling and signing a transaction (pure).
// Inputs and outputs are put in BIP 69 order, so the layout reveals nothing about which output
// is the change; the caller learns where each of its outputs went.
import { SigHash, Transaction } from '@scure/btc-signer';
import { hashToHex, type OutPoint, parseTx, signP2wpkhInput, signWitnessV0 } from '../chain/index.js';

/** A P2WPKH coin of the wallet, signed with its key. */
export interface WalletInput {
  kind: 'wallet';
  outpoint: OutPoint;
  valueSat: bigint;
  privateKey: Uint8Array;
  publicKey: Uint8Array;
  sequence?: number;
}

/**
 * A BIP 143 digest of this input for a scriptCode (the witness script for P2WSH), for the
 * caller's signature: `sign(scriptCode)` returns DER + sighash byte signed with `privateKey`.
 */
export interface InputSigner {
  sighash(scriptCode: Uint8Array, sighashType?: number): Uint8Array;
  sign(scriptCode: Uint8Array, privateKey: Uint8Array, sighashType?: number): Uint8Array;
}

/** An output the wallet does not own (a channel close output being swept); the caller builds its witness. */
export interface ExternalInput {
  kind: 'external';
  outpoint: OutPoint;
  valueSat: bigint;
  prevoutScript: Uint8Array;
  /** nSequence: to_self_delay for a CSV-locked output, for instance. */
  sequence: number;
  /** Upper bound of the serialized witness in bytes (count varint and items), for the fee. */
  maxWitnessWeight: number;
  witness(signer: InputSigner): Uint8Array[];
}

export type BuildInput = WalletInput | ExternalInput;

export interface BuildOutput {
  script: Uint8Array;
  amountSat: bigint;
}

export interface BuiltTx {
  raw: Uint8Array;
  /** Internal byte order. */
  txid: Uint8Array;
  /** Where each output of the request ended up after sorting. */
  outputIndexes: number[];
  /** Where each input of the request ended up after sorting. */
  inputIndexes: number[];
  feeSat: bigint;
}

/** Default nSequence: enables nLockTime (anti fee sniping) and signals replaceability (BIP 125). */
export const WALLET_SEQUENCE = 0xfffffffd;

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/**
 * Builds and signs. `lockTime` should be the current height (anti fee sniping, as Bitcoin Core
 * does); the transaction is then valid in the next block.
 */
export function buildAndSign(
  inputs: readonly BuildInput[],
  outputs: readonly BuildOutput[],
  lockTime: number,
): BuiltTx {
  // BIP 69: inputs by txid as displayed, then index; outputs by amount, then script bytes.
  const inOrder = inputs
    .map((input, i) => ({ input, i, txidHex: hashToHex(input.outpoint.txid) }))
    .sort((a, b) =>
      a.txidHex < b.txidHex ? -1 : a.txidHex > b.txidHex ? 1 : a.input.outpoint.vout - b.input.outpoint.vout,
    );
  const outOrder = outputs
    .map((output, i) => ({ output, i }))
    .sort((a, b) =>
      a.output.amountSat < b.output.amountSat
        ? -1
        : a.output.amountSat > b.output.amountSat
          ? 1
          : compareBytes(a.output.script, b.output.script),
    );

  const tx = new Transaction({
    version: 2,
    lockTime,
    allowUnknownOutputs: true,
    allowUnknownInputs: true,
    disableScriptCheck: true,
  });
  for (const { input, txidHex } of inOrder) {
    const script = input.kind === 'wallet' ? undefined : input.prevoutScript;
    tx.addInput({
      txid: txidHex,
      index: input.outpoint.vout,
      sequence: input.kind === 'wallet' ? (input.sequence ?? WALLET_SEQUENCE) : input.sequence,
      ...(script !== undefined ? { witnessUtxo: { script, amount: input.valueSat } } : {}),
    });
  }
  for (const { output } of outOrder) tx.addOutput({ script: output.script, amount: output.amountSat });

  inOrder.forEach(({ input }, idx) => {
    if (input.kind === 'wallet') {
      signP2wpkhInput(tx, idx, input.valueSat, input.privateKey, input.publicKey);
      return;
    }
    const signer: InputSigner = {
      sighash: (scriptCode, sighashType = SigHash.ALL) =>
        tx.preimageWitnessV0(idx, scriptCode, sighashType, input.valueSat),
      sign: (scriptCode, privateKey, sighashType = SigHash.ALL) =>
        signWitnessV0(tx, idx, scriptCode, input.valueSat, privateKey, sighashType),
    };
    tx.updateInput(idx, { finalScriptWitness: input.witness(signer) }, true);
  });

  const raw = tx.toBytes(true, true);
  const inSum = inputs.reduce((s, i) => s + i.valueSat, 0n);
  const outSum = outputs.reduce((s, o) => s + o.amountSat, 0n);
  const outputIndexes: number[] = [];
  outOrder.forEach(({ i }, pos) => {
    outputIndexes[i] = pos;
  });
  const inputIndexes: number[] = [];
  inOrder.forEach(({ i }, pos) => {
    inputIndexes[i] = pos;
  });
  return { raw, txid: parseTx(raw).txid, outputIndexes, inputIndexes, feeSat: inSum - outSum };
}
