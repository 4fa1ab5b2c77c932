// src/tx/closing.ts: mutual close transactions: the legacy `closing_signed` shape and the
// `option_simple_close` (`closing_complete`/`closing_sig`) shape.
import { sortOutputs } from './order.js';
import type { Outpoint, Tx, TxOutput } from './tx.js';

/** Inputs of a legacy (`closing_signed`) closing transaction; "local" is the signer. */
export interface LegacyClosingParams {
  fundingOutpoint: Outpoint;
  /** The scriptpubkeys from each side's `shutdown`. */
  localScriptPubkey: Uint8Array;
  remoteScriptPubkey: Uint8Array;
  toLocalMsat: bigint;
  toRemoteMsat: bigint;
  /** `fee_satoshis` from `closing_signed`. */
  feeSat: bigint;
  localIsFunder: boolean;
  /** The signer's own dust_limit_satoshis. */
  dustLimitSat: bigint;
}

function closingTx(fundingOutpoint: Outpoint, sequence: number, lockTime: number, outputs: TxOutput[]): Tx {
  return {
    version: 2,
    lockTime,
    inputs: [{ prevout: fundingOutpoint, sequence, scriptSig: new Uint8Array(0), witness: [] }],
    outputs: sortOutputs(outputs),
  };
}

/**
 * The legacy closing transaction (option_simple_close not negotiated), as the signer builds it.
 * Throws if the funder cannot pay `feeSat` (the caller validates `fee_satoshis` first).
 */
export function buildLegacyClosingTx(p: LegacyClosingParams): Tx {
  // BOLT 3: MUST round each output down to whole satoshis.
  let toLocalSat = p.toLocalMsat / 1000n;
  let toRemoteSat = p.toRemoteMsat / 1000n;
  // BOLT 3: MUST subtract the fee given by `fee_satoshis` from the output to the funder.
  if (p.localIsFunder) toLocalSat -= p.feeSat;
  else toRemoteSat -= p.feeSat;
  if (toLocalSat < 0n || toRemoteSat < 0n) throw new RangeError('fee_satoshis exceeds the funder balance');
  const outputs: TxOutput[] = [];
  // BOLT 3: MUST remove any output below its own `dust_limit_satoshis`.
  if (toLocalSat >= p.dustLimitSat) outputs.push({ amountSat: toLocalSat, script: p.localScriptPubkey });
  if (toRemoteSat >= p.dustLimitSat) outputs.push({ amountSat: toRemoteSat, script: p.remoteScriptPubkey });
  // BOLT 3: `txin[0]` sequence: 0xFFFFFFFF
  return closingTx(p.fundingOutpoint, 0xffffffff, 0, outputs);
}

/** Which outputs an option_simple_close transaction has (the TLV its signature goes in). */
export type SimpleCloseVariant = 'closer_output_only' | 'closee_output_only' | 'closer_and_closee_outputs';

/** Inputs of an option_simple_close transaction, as `closing_complete` describes it. */
export interface SimpleClosingParams {
  fundingOutpoint: Outpoint;
  closerScriptPubkey: Uint8Array;
  closeeScriptPubkey: Uint8Array;
  closerBalanceMsat: bigint;
  closeeBalanceMsat: bigint;
  /** `fee_satoshis` from `closing_complete`: paid by the closer. */
  feeSat: bigint;
  /** `locktime` from `closing_complete`. */
  lockTime: number;
  variant: SimpleCloseVariant;
}

const isOpReturn = (script: Uint8Array): boolean => script[0] === 0x6a;

/**
 * The option_simple_close closing transaction. Throws if the closer cannot pay `feeSat` (BOLT 2
 * has the closee check this before building).
 */
export function buildSimpleClosingTx(p: SimpleClosingParams): Tx {
  const closerSat = p.closerBalanceMsat / 1000n - p.feeSat;
  if (closerSat < 0n) throw new RangeError('fee_satoshis exceeds the closer balance');
  const outputs: TxOutput[] = [];
  if (p.variant !== 'closee_output_only') {
    // BOLT 3: MUST subtract the fee given by `fee_satoshis` from the closer output.
    // BOLT 3: MUST set the output amount to 0 if the `scriptpubkey` is `OP_RETURN`.
    outputs.push({
      amountSat: isOpReturn(p.closerScriptPubkey) ? 0n : closerSat,
      script: p.closerScriptPubkey,
    });
  }
  if (p.variant !== 'closer_output_only') {
    const closeeSat = p.closeeBalanceMsat / 1000n;
    outputs.push({
      amountSat: isOpReturn(p.closeeScriptPubkey) ? 0n : closeeSat,
      script: p.closeeScriptPubkey,
    });
  }
  // BOLT 3: `txin[0]` sequence: 0xFFFFFFFD
  return closingTx(p.fundingOutpoint, 0xfffffffd, p.lockTime, outputs);
}
