// Loads the BOLT 3 vectors (extracted from the spec into test/fixtures/tx/) and turns Appendix
// C/F's shared parameters into CommitmentParams.
import { readFileSync } from 'node:fs';
import { hexToBytes, sha256 } from '../../src/crypto/index.js';
import type {
  CommitmentFormat,
  CommitmentHtlc,
  CommitmentKeys,
  CommitmentParams,
} from '../../src/tx/index.js';
import { txidFromHex } from '../../src/tx/index.js';

export function loadFixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../fixtures/tx/${name}`, import.meta.url), 'utf8')) as T;
}

export interface VectorHtlc {
  id: number;
  direction: 'remote->local' | 'local->remote';
  amountMsat: number;
  expiry: number;
  paymentPreimage: string;
}

export interface CommonParams {
  fundingTxid: string;
  fundingOutputIndex: number;
  fundingAmountSatoshi: number;
  commitmentNumber: number;
  localDelay: number;
  localDustLimitSatoshi: number;
  htlcs: VectorHtlc[];
  internal: Record<string, string>;
  localPaymentBasepoint: string;
  remotePaymentBasepoint: string;
  obscuredCommitmentNumberComment: string;
  localHtlcBasepoint: string;
  remoteHtlcBasepoint: string;
  localFundingPrivkey: string;
  localFundingPubkey: string;
  remoteFundingPubkey: string;
  localPrivkey: string;
  localHtlcpubkey: string;
  remoteHtlcpubkey: string;
  localDelayedpubkey: string;
  localRevocationPubkey: string;
  fundingWitnessScript: string;
}

export interface CommitmentVector {
  name: string;
  htlcIds: number[];
  toLocalMsat: number;
  toRemoteMsat: number;
  feeratePerKw: number;
  baseFeeSat?: number;
  actualFeeSat?: number;
  outputs: (
    | { kind: 'offered' | 'received'; htlcId: number; amountSat: number; witnessScript: string }
    | { kind: 'to_local'; amountSat: number; witnessScript: string }
    | { kind: 'to_remote'; amountSat: number; p2wpkhPubkey: string }
  )[];
  remoteSignature: string;
  localSignature: string;
  commitTx: string;
  numHtlcs: number;
  htlcTxs: {
    outputIndex: number;
    kind: 'success' | 'timeout';
    htlcId: number;
    remoteHtlcSignature: string;
    localHtlcSignature: string;
    tx: string;
  }[];
}

export interface AnchorVector {
  name: string;
  htlcIds: number[];
  toLocalMsat: number;
  toRemoteMsat: number;
  dustLimitSatoshis: number;
  feeratePerKw: number;
  commitTx: string;
  remoteSignature: string;
  htlcTxs: { remoteHtlcSignature: string; tx: string }[];
}

export const appendixC = loadFixture<{ common: CommonParams; vectors: CommitmentVector[] }>(
  'bolt3-commitment.json',
);
export const appendixF = loadFixture<{ vectors: AnchorVector[] }>('bolt3-anchors.json');
export const common = appendixC.common;

export const h = hexToBytes;

/** The keys Appendix C lists for the local commitment. */
export function vectorKeys(): CommitmentKeys {
  return {
    perCommitmentPoint: h(common.internal.localPerCommitmentPoint!),
    revocationPubkey: h(common.localRevocationPubkey),
    localDelayedPubkey: h(common.localDelayedpubkey),
    localHtlcPubkey: h(common.localHtlcpubkey),
    remoteHtlcPubkey: h(common.remoteHtlcpubkey),
    remotePaymentPubkey: h(common.remotePaymentBasepoint),
  };
}

export function vectorHtlcs(ids: readonly number[]): CommitmentHtlc[] {
  return ids.map((id) => {
    const x = common.htlcs[id]!;
    return {
      // Appendix C considers local transactions: local->remote HTLCs are offered by the owner.
      direction: x.direction === 'local->remote' ? 'offered' : 'received',
      amountMsat: BigInt(x.amountMsat),
      paymentHash: sha256(h(x.paymentPreimage)),
      cltvExpiry: x.expiry,
    };
  });
}

export function vectorParams(
  format: CommitmentFormat,
  v: { htlcIds: number[]; toLocalMsat: number; toRemoteMsat: number; feeratePerKw: number },
  dustLimitSat: bigint = BigInt(common.localDustLimitSatoshi),
): CommitmentParams {
  return {
    format,
    fundingOutpoint: { txid: txidFromHex(common.fundingTxid), index: common.fundingOutputIndex },
    fundingAmountSat: BigInt(common.fundingAmountSatoshi),
    localFundingPubkey: h(common.localFundingPubkey),
    remoteFundingPubkey: h(common.remoteFundingPubkey),
    commitmentNumber: common.commitmentNumber,
    openerPaymentBasepoint: h(common.localPaymentBasepoint),
    accepterPaymentBasepoint: h(common.remotePaymentBasepoint),
    localIsFunder: true,
    toLocalMsat: BigInt(v.toLocalMsat),
    toRemoteMsat: BigInt(v.toRemoteMsat),
    feeratePerKw: v.feeratePerKw,
    dustLimitSat,
    toSelfDelay: common.localDelay,
    keys: vectorKeys(),
    htlcs: vectorHtlcs(v.htlcIds),
  };
}

/** The signing keys behind the vectors (remote ones from the spec's INTERNAL comment). */
export const signers = {
  localFunding: h(common.localFundingPrivkey),
  remoteFunding: h(common.internal.remoteFundingPrivkey!),
  /** local_htlc_basepoint = local_payment_basepoint, so the HTLC privkey is local_privkey. */
  localHtlc: h(common.localPrivkey),
  /** remote_htlc_basepoint = remote_payment_basepoint: remote_privkey. */
  remoteHtlc: h(common.internal.remotePrivkey!),
};

export function preimageOf(htlcIds: readonly number[], htlcIndex: number): Uint8Array {
  return h(common.htlcs[htlcIds[htlcIndex]!]!.paymentPreimage);
}
