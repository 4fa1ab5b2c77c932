// src/tx/weight.ts: BOLT 3 expected weights (Appendix A) and the fees derived from them.

/** The two commitment formats ksnode speaks. Both imply option_static_remotekey. */
export type CommitmentFormat = 'static_remotekey' | 'anchors';

/**
 * BOLT 3: Commitment weight (no option_anchors):   724 + 172 * num-untrimmed-htlc-outputs
 */
export const COMMITMENT_BASE_WEIGHT = 724;
/**
 * BOLT 3: Commitment weight (option_anchors):     1124 + 172 * num-untrimmed-htlc-outputs
 */
export const COMMITMENT_ANCHORS_BASE_WEIGHT = 1124;
/** The weight each untrimmed HTLC output adds to a commitment. */
export const COMMITMENT_WEIGHT_PER_HTLC = 172;
/**
 * BOLT 3: HTLC-timeout weight (no option_anchors): 663
 */
export const HTLC_TIMEOUT_WEIGHT = 663;
/**
 * BOLT 3: HTLC-timeout weight (option_anchors): 666
 */
export const HTLC_TIMEOUT_ANCHORS_WEIGHT = 666;
/**
 * BOLT 3: HTLC-success weight (no option_anchors): 703
 */
export const HTLC_SUCCESS_WEIGHT = 703;
/**
 * BOLT 3: HTLC-success weight (option_anchors): 706
 */
export const HTLC_SUCCESS_ANCHORS_WEIGHT = 706;
/**
 * BOLT 3: The amount of the output is fixed at 330 sats, the default dust limit for P2WSH.
 */
export const ANCHOR_OUTPUT_SAT = 330n;

/** Expected weight of a commitment transaction with `numUntrimmedHtlcs` HTLC outputs. */
export function commitmentTxWeight(format: CommitmentFormat, numUntrimmedHtlcs: number): number {
  const base = format === 'anchors' ? COMMITMENT_ANCHORS_BASE_WEIGHT : COMMITMENT_BASE_WEIGHT;
  return base + COMMITMENT_WEIGHT_PER_HTLC * numUntrimmedHtlcs;
}

/** Expected weight of an HTLC-timeout transaction. */
export function htlcTimeoutTxWeight(format: CommitmentFormat): number {
  return format === 'anchors' ? HTLC_TIMEOUT_ANCHORS_WEIGHT : HTLC_TIMEOUT_WEIGHT;
}

/** Expected weight of an HTLC-success transaction. */
export function htlcSuccessTxWeight(format: CommitmentFormat): number {
  return format === 'anchors' ? HTLC_SUCCESS_ANCHORS_WEIGHT : HTLC_SUCCESS_WEIGHT;
}

/**
 * BOLT 3: Multiply `feerate_per_kw` by `weight`, divide by 1000 (rounding down).
 */
export function feeForWeight(feeratePerKw: number, weight: number): bigint {
  if (!Number.isSafeInteger(feeratePerKw) || feeratePerKw < 0) {
    throw new RangeError(`feerate_per_kw must be a non-negative integer, got ${feeratePerKw}`);
  }
  return (BigInt(feeratePerKw) * BigInt(weight)) / 1000n;
}

/**
 * The fee of an HTLC-timeout transaction: 0 with option_anchors, else feerate_per_kw * 663 / 1000.
 * BOLT 3: Multiply `feerate_per_kw` by 663 and divide by 1000 (rounding down).
 */
export function htlcTimeoutFeeSat(format: CommitmentFormat, feeratePerKw: number): bigint {
  return format === 'anchors' ? 0n : feeForWeight(feeratePerKw, HTLC_TIMEOUT_WEIGHT);
}

/**
 * The fee of an HTLC-success transaction: 0 with option_anchors, else feerate_per_kw * 703 / 1000.
 * BOLT 3: Multiply `feerate_per_kw` by 703 and divide by 1000 (rounding down).
 */
export function htlcSuccessFeeSat(format: CommitmentFormat, feeratePerKw: number): bigint {
  return format === 'anchors' ? 0n : feeForWeight(feeratePerKw, HTLC_SUCCESS_WEIGHT);
}

/** The base fee of a commitment transaction: what the funder pays. */
export function commitmentFeeSat(
  format: CommitmentFormat,
  feeratePerKw: number,
  numUntrimmedHtlcs: number,
): bigint {
  return feeForWeight(feeratePerKw, commitmentTxWeight(format, numUntrimmedHtlcs));
}

/**
 * Whether an HTLC is trimmed (no output) from the commitment of the node whose dust limit is given.
 * `offered` is from the commitment owner's point of view.
 * BOLT 3: if the HTLC amount minus the HTLC-timeout fee would be less than
 * the owner's dust_limit_satoshis (for an offered HTLC; the HTLC-success fee for a received one;
 * with option_anchors both fees are 0).
 */
export function isHtlcTrimmed(
  format: CommitmentFormat,
  offered: boolean,
  amountMsat: bigint,
  feeratePerKw: number,
  dustLimitSat: bigint,
): boolean {
  const fee = offered ? htlcTimeoutFeeSat(format, feeratePerKw) : htlcSuccessFeeSat(format, feeratePerKw);
  return amountMsat / 1000n - fee < dustLimitSat;
}

/**
 * Appendix A's expected weight of a (v2 channel establishment) funding transaction.
 * `nonFundingOutputScriptLens` lists each change output's script length; `witnessLens` each
 * input's serialized witness length.
 */
export function fundingTxExpectedWeight(
  numInputs: number,
  nonFundingOutputScriptLens: readonly number[],
  witnessLens: readonly number[],
): number {
  // BOLT 3: funding_transaction = 43 + num_inputs * 41 + num_outputs * 9 + sum(scriptlen)
  const fundingTransaction =
    43 +
    numInputs * 41 +
    nonFundingOutputScriptLens.length * 9 +
    nonFundingOutputScriptLens.reduce((a, b) => a + b, 0);
  const transactionFields = 10;
  const segwitFields = 2;
  // BOLT 3: funding_transaction_weight = 4 * (funding_transaction + transaction_fields) + segwit_fields
  const fundingTransactionWeight = 4 * (fundingTransaction + transactionFields) + segwitFields;
  return fundingTransactionWeight + witnessLens.reduce((a, b) => a + b, 0);
}
