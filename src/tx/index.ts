// src/tx: BOLT 3 as pure functions: keys, per-commitment secrets, scripts, commitment / HTLC /
// closing transactions, the witnesses that spend them, fees and weights, and a script checker.
// Public face of the module (`ksnode/tx`). Conventions: txids are in internal byte order (as in
// serialized transactions and BOLT 2 messages); amounts are bigint satoshis (`...Sat`) or
// millisatoshis (`...Msat`); "local"/"remote" are relative to the commitment's owner, as in BOLT 3.

export {
  signCommitment,
  signHtlcTxsForCounterparty,
  verifyCommitmentSignature,
  verifyHtlcSignatures,
} from './channel-sigs.js';
export {
  buildLegacyClosingTx,
  buildSimpleClosingTx,
  type LegacyClosingParams,
  type SimpleCloseVariant,
  type SimpleClosingParams,
} from './closing.js';
export {
  buildCommitmentTx,
  type CommitmentHtlc,
  type CommitmentOutputInfo,
  type CommitmentParams,
  type CommitmentTx,
  commitmentNumberFromTx,
  commitmentNumberObscuringFactor,
  obscuredCommitmentFields,
} from './commitment.js';
export { isLowSDer, isStrictDerSignature } from './der.js';
export { dustThresholdSat, isDust, isWitnessProgram } from './dust.js';
export {
  buildHtlcTx,
  buildHtlcTxs,
  type HtlcTx,
  type HtlcTxParams,
  htlcRemoteSighashType,
} from './htlc-tx.js';
export {
  type ChannelBasepoints,
  type ChannelKeys,
  type CommitmentKeys,
  deriveChannelKeys,
  deriveCommitmentKeys,
  derivePrivkey,
  derivePubkey,
  deriveRevocationPrivkey,
  deriveRevocationPubkey,
  perCommitmentPoint,
} from './keys.js';
export { compareOutputs, type SortableOutput, sortOutputs } from './order.js';
export {
  type Prevout,
  type ScriptCheckResult,
  verifyAllWitnessInputs,
  verifyWitnessInput,
  verifyWitnessInputOfTx,
} from './script-check.js';
export {
  anchorScript,
  compareBytes,
  fundingScript,
  type HtlcScriptParams,
  offeredHtlcScript,
  p2wpkh,
  p2wpkhScriptCode,
  p2wsh,
  receivedHtlcScript,
  toLocalScript,
  toRemoteAnchorsScript,
} from './scripts.js';
export {
  decodeShachain,
  deriveOldSecret,
  emptyShachain,
  encodeShachain,
  FIRST_SECRET_INDEX,
  generateFromSeed,
  insertSecret,
  perCommitmentSecret,
  revokedSecret,
  type ShachainEntry,
  type ShachainStore,
} from './shachain.js';
export { decodeWitnessSignature, encodeWitnessSignature, signInput, verifyInputSignature } from './sign.js';
export {
  decodeTx,
  encodeTx,
  type Outpoint,
  type Result,
  SIGHASH_ALL,
  SIGHASH_ANYONECANPAY,
  SIGHASH_NONE,
  SIGHASH_SINGLE,
  SIGHASH_SINGLE_ANYONECANPAY,
  segwitV0Sighash,
  type Tx,
  type TxInput,
  type TxOutput,
  txid,
  txidFromHex,
  txidToHex,
  txWeight,
  withWitnesses,
} from './tx.js';
export {
  ANCHOR_OUTPUT_SAT,
  type CommitmentFormat,
  commitmentFeeSat,
  commitmentTxWeight,
  feeForWeight,
  fundingTxExpectedWeight,
  htlcSuccessFeeSat,
  htlcSuccessTxWeight,
  htlcTimeoutFeeSat,
  htlcTimeoutTxWeight,
  isHtlcTrimmed,
} from './weight.js';
export {
  anchorSweepWitness,
  anchorWitness,
  fundingWitness,
  htlcRevocationWitness,
  htlcSuccessWitness,
  htlcTimeoutWitness,
  offeredHtlcPreimageWitness,
  receivedHtlcTimeoutWitness,
  toLocalDelayedWitness,
  toLocalRevocationWitness,
  toRemoteAnchorsWitness,
  toRemoteP2wpkhWitness,
} from './witness.js';
