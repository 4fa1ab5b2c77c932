// src/tx/commitment.ts: BOLT 3 "Commitment Transaction Construction" for option_static_remotekey
// and option_anchors commitments.
import { sha256 } from '../crypto/index.js';
import type { CommitmentKeys } from './keys.js';
import { sortOutputs } from './order.js';
import {
  anchorScript,
  fundingScript,
  offeredHtlcScript,
  p2wpkh,
  p2wsh,
  receivedHtlcScript,
  toLocalScript,
  toRemoteAnchorsScript,
} from './scripts.js';
import type { Outpoint, Tx } from './tx.js';
import { ANCHOR_OUTPUT_SAT, type CommitmentFormat, commitmentFeeSat, isHtlcTrimmed } from './weight.js';

/** An HTLC committed to, seen from the commitment owner's side. */
export interface CommitmentHtlc {
  /** `offered` if the owner of this commitment offered it, `received` if it was offered to the owner. */
  direction: 'offered' | 'received';
  amountMsat: bigint;
  paymentHash: Uint8Array;
  cltvExpiry: number;
}

/** Everything a commitment transaction depends on. "local" is the commitment's owner. */
export interface CommitmentParams {
  format: CommitmentFormat;
  fundingOutpoint: Outpoint;
  fundingAmountSat: bigint;
  localFundingPubkey: Uint8Array;
  remoteFundingPubkey: Uint8Array;
  /** 0 for the first commitment; obscured with the payment basepoints into locktime and sequence. */
  commitmentNumber: number;
  /** payment_basepoint from open_channel. */
  openerPaymentBasepoint: Uint8Array;
  /** payment_basepoint from accept_channel. */
  accepterPaymentBasepoint: Uint8Array;
  /** True if the owner opened the channel, and so pays the fee (and the anchors). */
  localIsFunder: boolean;
  toLocalMsat: bigint;
  toRemoteMsat: bigint;
  feeratePerKw: number;
  /** The owner's dust_limit_satoshis. */
  dustLimitSat: bigint;
  /** The CSV delay on the owner's outputs: the to_self_delay the other side asked for. */
  toSelfDelay: number;
  keys: CommitmentKeys;
  htlcs: readonly CommitmentHtlc[];
}

/** What one commitment output is, with the witness script that spends it (absent for P2WPKH). */
export type CommitmentOutputInfo =
  | { kind: 'to_local'; witnessScript: Uint8Array }
  | { kind: 'to_remote'; witnessScript?: Uint8Array }
  | { kind: 'local_anchor'; witnessScript: Uint8Array }
  | { kind: 'remote_anchor'; witnessScript: Uint8Array }
  | { kind: 'htlc'; htlcIndex: number; witnessScript: Uint8Array };

/** A built commitment transaction and what each of its outputs is. */
export interface CommitmentTx {
  /** The unsigned transaction (empty witness). */
  tx: Tx;
  /** Parallel to `tx.outputs`. */
  outputs: CommitmentOutputInfo[];
  /** Parallel to the params' `htlcs`: the output index of each HTLC, or undefined if trimmed. */
  htlcOutputIndexes: (number | undefined)[];
  /** The funding output's witness script, which the commitment's input spends. */
  fundingWitnessScript: Uint8Array;
  /** The funding output's value (BIP 143 signs it). */
  fundingAmountSat: bigint;
  /** The base fee from the expected weight (what the funder pays). */
  baseFeeSat: bigint;
  /** The actual fee: the funding amount minus every output (trimmed amounts go to fees). */
  feeSat: bigint;
}

const LOW_48_BITS = (1n << 48n) - 1n;

/**
 * The factor the commitment number is XORed with.
 * BOLT 3: SHA256(payment_basepoint from open_channel || payment_basepoint from accept_channel)
 */
export function commitmentNumberObscuringFactor(
  openerPaymentBasepoint: Uint8Array,
  accepterPaymentBasepoint: Uint8Array,
): bigint {
  const h = sha256(openerPaymentBasepoint, accepterPaymentBasepoint);
  let v = 0n;
  for (const byte of h.subarray(26)) v = (v << 8n) | BigInt(byte);
  return v & LOW_48_BITS;
}

/** The commitment transaction's locktime and input sequence, which carry the obscured number. */
export function obscuredCommitmentFields(
  commitmentNumber: number,
  obscuringFactor: bigint,
): { lockTime: number; sequence: number } {
  if (
    !Number.isSafeInteger(commitmentNumber) ||
    commitmentNumber < 0 ||
    commitmentNumber > Number(LOW_48_BITS)
  ) {
    throw new RangeError(`commitment number must fit in 48 bits, got ${commitmentNumber}`);
  }
  const obscured = BigInt(commitmentNumber) ^ obscuringFactor;
  // BOLT 3: locktime: upper 8 bits are 0x20, lower 24 bits are the lower 24 bits of the obscured commitment number
  const lockTime = Number((0x20n << 24n) | (obscured & 0xffffffn));
  // BOLT 3: `txin[0]` sequence: upper 8 bits are 0x80, lower 24 bits are upper 24 bits of the obscured commitment number
  const sequence = Number((0x80n << 24n) | ((obscured >> 24n) & 0xffffffn));
  return { lockTime, sequence };
}

/**
 * Recovers the commitment number from a commitment transaction found on chain (to recognize a
 * revoked one), or undefined if its locktime/sequence do not have the commitment shape.
 */
export function commitmentNumberFromTx(tx: Tx, obscuringFactor: bigint): number | undefined {
  const sequence = tx.inputs[0]?.sequence;
  if (tx.inputs.length !== 1 || sequence === undefined) return undefined;
  if (tx.lockTime >>> 24 !== 0x20 || sequence >>> 24 !== 0x80) return undefined;
  const obscured = (BigInt(sequence & 0xffffff) << 24n) | BigInt(tx.lockTime & 0xffffff);
  return Number(obscured ^ obscuringFactor);
}

interface PendingOutput {
  amountSat: bigint;
  script: Uint8Array;
  cltvExpiry?: number;
  info: CommitmentOutputInfo;
}

/** Builds the (unsigned) commitment transaction, following BOLT 3's construction steps. */
export function buildCommitmentTx(p: CommitmentParams): CommitmentTx {
  const anchors = p.format === 'anchors';
  const committedMsat = p.htlcs.reduce((s, h) => s + h.amountMsat, p.toLocalMsat + p.toRemoteMsat);
  if (committedMsat !== p.fundingAmountSat * 1000n) {
    throw new RangeError(
      `balances and HTLCs add up to ${committedMsat} msat, not the funding amount ${p.fundingAmountSat} sat`,
    );
  }
  // BOLT 3: Calculate which committed HTLCs need to be trimmed (see [Trimmed Outputs](#trimmed-outputs)).
  const untrimmed = p.htlcs.map(
    (h) => !isHtlcTrimmed(p.format, h.direction === 'offered', h.amountMsat, p.feeratePerKw, p.dustLimitSat),
  );
  const numUntrimmed = untrimmed.filter(Boolean).length;
  // BOLT 3: Calculate the base [commitment transaction fee](#fee-calculation).
  const baseFeeSat = commitmentFeeSat(p.format, p.feeratePerKw, numUntrimmed);
  // BOLT 3: Subtract this base fee from the funder (either `to_local` or `to_remote`).
  // BOLT 3: also subtract two times the fixed anchor size of 330 sats from the funder
  const funderCostMsat = (baseFeeSat + (anchors ? 2n * ANCHOR_OUTPUT_SAT : 0n)) * 1000n;
  let toLocalMsat = p.toLocalMsat;
  let toRemoteMsat = p.toRemoteMsat;
  // A funder that cannot pay gives everything it has; its output is then below any dust limit.
  if (p.localIsFunder) toLocalMsat = toLocalMsat > funderCostMsat ? toLocalMsat - funderCostMsat : 0n;
  else toRemoteMsat = toRemoteMsat > funderCostMsat ? toRemoteMsat - funderCostMsat : 0n;
  // BOLT 3: The amounts for each output MUST be rounded down to whole satoshis.
  const toLocalSat = toLocalMsat / 1000n;
  const toRemoteSat = toRemoteMsat / 1000n;

  const pending: PendingOutput[] = [];
  const k = p.keys;
  p.htlcs.forEach((h, htlcIndex) => {
    if (!untrimmed[htlcIndex]) return;
    const scriptParams = {
      revocationPubkey: k.revocationPubkey,
      localHtlcPubkey: k.localHtlcPubkey,
      remoteHtlcPubkey: k.remoteHtlcPubkey,
      paymentHash: h.paymentHash,
      anchors,
    };
    const witnessScript =
      h.direction === 'offered'
        ? offeredHtlcScript(scriptParams)
        : receivedHtlcScript({ ...scriptParams, cltvExpiry: h.cltvExpiry });
    pending.push({
      amountSat: h.amountMsat / 1000n,
      script: p2wsh(witnessScript),
      cltvExpiry: h.cltvExpiry,
      info: { kind: 'htlc', htlcIndex, witnessScript },
    });
  });
  // BOLT 3: If the `to_local` amount is greater or equal to `dust_limit_satoshis`,
  const hasToLocal = toLocalSat >= p.dustLimitSat;
  if (hasToLocal) {
    const witnessScript = toLocalScript(k.revocationPubkey, p.toSelfDelay, k.localDelayedPubkey);
    pending.push({
      amountSat: toLocalSat,
      script: p2wsh(witnessScript),
      info: { kind: 'to_local', witnessScript },
    });
  }
  // BOLT 3: If the `to_remote` amount is greater or equal to `dust_limit_satoshis`,
  const hasToRemote = toRemoteSat >= p.dustLimitSat;
  if (hasToRemote) {
    if (anchors) {
      const witnessScript = toRemoteAnchorsScript(k.remotePaymentPubkey);
      pending.push({
        amountSat: toRemoteSat,
        script: p2wsh(witnessScript),
        info: { kind: 'to_remote', witnessScript },
      });
    } else {
      pending.push({
        amountSat: toRemoteSat,
        script: p2wpkh(k.remotePaymentPubkey),
        info: { kind: 'to_remote' },
      });
    }
  }
  if (anchors) {
    // BOLT 3: if `to_local` exists or there are untrimmed HTLCs, add a [`to_local_anchor` output](#to_local_anchor-and-to_remote_anchor-output-option_anchors)
    if (hasToLocal || numUntrimmed > 0) {
      const witnessScript = anchorScript(p.localFundingPubkey);
      pending.push({
        amountSat: ANCHOR_OUTPUT_SAT,
        script: p2wsh(witnessScript),
        info: { kind: 'local_anchor', witnessScript },
      });
    }
    // BOLT 3: if `to_remote` exists or there are untrimmed HTLCs, add a [`to_remote_anchor` output](#to_local_anchor-and-to_remote_anchor-output-option_anchors)
    if (hasToRemote || numUntrimmed > 0) {
      const witnessScript = anchorScript(p.remoteFundingPubkey);
      pending.push({
        amountSat: ANCHOR_OUTPUT_SAT,
        script: p2wsh(witnessScript),
        info: { kind: 'remote_anchor', witnessScript },
      });
    }
  }
  // BOLT 3: Sort the outputs into [BIP 69+CLTV order](#transaction-output-ordering).
  const sorted = sortOutputs(pending);

  const factor = commitmentNumberObscuringFactor(p.openerPaymentBasepoint, p.accepterPaymentBasepoint);
  const { lockTime, sequence } = obscuredCommitmentFields(p.commitmentNumber, factor);
  const tx: Tx = {
    version: 2,
    lockTime,
    inputs: [{ prevout: p.fundingOutpoint, sequence, scriptSig: new Uint8Array(0), witness: [] }],
    outputs: sorted.map((o) => ({ amountSat: o.amountSat, script: o.script })),
  };
  const htlcOutputIndexes: (number | undefined)[] = p.htlcs.map(() => undefined);
  sorted.forEach((o, i) => {
    if (o.info.kind === 'htlc') htlcOutputIndexes[o.info.htlcIndex] = i;
  });
  const totalOut = tx.outputs.reduce((s, o) => s + o.amountSat, 0n);
  return {
    tx,
    outputs: sorted.map((o) => o.info),
    htlcOutputIndexes,
    fundingWitnessScript: fundingScript(p.localFundingPubkey, p.remoteFundingPubkey),
    fundingAmountSat: p.fundingAmountSat,
    baseFeeSat,
    feeSat: p.fundingAmountSat - totalOut,
  };
}
