// src/channel/simple-close-tx.ts: option_simple_close transactions seen from one closer: which
// variants a closer signs and what fee it pays (BOLT 2 "Closing Negotiation: `closing_complete` and
// `closing_sig`"), and the transaction of each variant (BOLT 3 "Closing Transaction").
import {
  buildSimpleClosingTx,
  feeForWeight,
  isDust,
  type Outpoint,
  type SimpleCloseVariant,
  type Tx,
  txWeight,
  withWitnesses,
} from '../tx/index.js';

/** One closing_complete's view of the channel: whoever sends it is the closer. */
export interface CloserView {
  fundingOutpoint: Outpoint;
  closerBalanceMsat: bigint;
  closeeBalanceMsat: bigint;
  closerScriptpubkey: Uint8Array;
  closeeScriptpubkey: Uint8Array;
  lockTime: number;
}

/** What a closer offers: one fee and the variants it signs. */
export interface CloserOffer {
  feeSat: bigint;
  variants: SimpleCloseVariant[];
  /** False when the closer's whole (small) balance is below the fee the feerate asks for. */
  fullFee: boolean;
}

export const isOpReturn = (script: Uint8Array): boolean => script[0] === 0x6a;

/** The closing transaction of `variant` paying `feeSat` from the closer's output. */
export function simpleClosingTx(v: CloserView, feeSat: bigint, variant: SimpleCloseVariant): Tx {
  return buildSimpleClosingTx({
    fundingOutpoint: v.fundingOutpoint,
    closerScriptPubkey: v.closerScriptpubkey,
    closeeScriptPubkey: v.closeeScriptpubkey,
    closerBalanceMsat: v.closerBalanceMsat,
    closeeBalanceMsat: v.closeeBalanceMsat,
    feeSat,
    lockTime: v.lockTime,
    variant,
  });
}

/** The fee at `feeratePerKw` for the signed variant (witness: empty item, two 73-byte signatures, the 2-of-2). */
export function simpleClosingFee(
  v: CloserView,
  variant: SimpleCloseVariant,
  feeratePerKw: number,
  fundingWitnessScript: Uint8Array,
): bigint {
  const tx = simpleClosingTx(v, 0n, variant);
  const sig = new Uint8Array(73);
  const witness = [new Uint8Array(0), sig, sig, fundingWitnessScript];
  return feeForWeight(feeratePerKw, txWeight(withWitnesses(tx, [witness])));
}

/**
 * The closer's offer at `feeratePerKw`, or why it cannot make one. We never choose an OP_RETURN
 * output ourselves to get rid of an uneconomical balance; a closer whose own output would be dust
 * either leaves it out (when it has the lesser balance) or does not offer.
 */
export function closerOffer(
  v: CloserView,
  feeratePerKw: number,
  fundingWitnessScript: Uint8Array,
): CloserOffer | { error: string } {
  const fee = (variant: SimpleCloseVariant) =>
    simpleClosingFee(v, variant, feeratePerKw, fundingWitnessScript);
  const closerSat = v.closerBalanceMsat / 1000n;
  const closeeSat = v.closeeBalanceMsat / 1000n;
  // BOLT 2: "An output is *dust* if the amount is less than the [Bitcoin Core Dust Thresholds]"
  const closeeDust = !isOpReturn(v.closeeScriptpubkey) && isDust(v.closeeScriptpubkey, closeeSat);
  const closerDustAfter = (feeSat: bigint) =>
    !isOpReturn(v.closerScriptpubkey) && isDust(v.closerScriptpubkey, closerSat - feeSat);
  // BOLT 2: "If the local outstanding balance (in millisatoshi) is less than the remote outstanding balance:"
  if (v.closerBalanceMsat < v.closeeBalanceMsat) {
    // BOLT 2: "MUST NOT set `closer_output_only`."
    const both = fee('closer_and_closee_outputs');
    if (closeeDust) return { error: 'both outputs would be dust' };
    if (closerSat >= both && !closerDustAfter(both))
      return { feeSat: both, variants: ['closer_and_closee_outputs'], fullFee: true };
    // BOLT 2: "MUST set `closee_output_only` if the local output amount is dust."
    // Our output is left out, so all of our balance goes to the fee.
    // BOLT 2: "MUST set `fee_satoshis` to a fee less than or equal to its outstanding balance, rounded down to whole satoshis."
    if (closerSat === 0n) return { error: 'our balance is empty: nothing to pay a fee with' };
    return {
      feeSat: closerSat,
      variants: ['closee_output_only'],
      fullFee: closerSat >= fee('closee_output_only'),
    };
  }
  // BOLT 2: "Otherwise (not lesser amount, cannot remove its own output):" ... "MUST NOT set `closee_output_only`."
  // BOLT 2: "If the closee's output amount is dust:" ... "MUST set `closer_output_only`." ... "MUST NOT set `closer_and_closee_outputs`."
  // BOLT 2: "MUST set both `closer_output_only` and `closer_and_closee_outputs`."
  const variants: SimpleCloseVariant[] = closeeDust
    ? ['closer_output_only']
    : ['closer_output_only', 'closer_and_closee_outputs'];
  const feeSat = fee(variants.at(-1)!);
  if (closerSat < feeSat)
    return { error: `our balance of ${closerSat} sat cannot pay a fee of ${feeSat} sat` };
  // BOLT 2: "MUST set `fee_satoshis` so that at least one output is not dust."
  if (closerDustAfter(feeSat)) return { error: `our output would be dust after a fee of ${feeSat} sat` };
  return { feeSat, variants, fullFee: true };
}
