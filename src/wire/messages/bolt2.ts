// BOLT 2 messages: channel establishment (v1 and v2 / interactive-tx), quiescence, splicing,
// closing, normal operation and reestablishment. Each is declared once, field by field in the
// order of its `1. type: N` block in 02-peer-protocol.md; the names are the spec's, in camelCase.
import {
  bytes,
  chainHash,
  channelId,
  countedArray,
  fixedArray,
  flag,
  point,
  restBytes,
  s64,
  sha256Hash,
  shortChannelId,
  signature,
  struct,
  u8,
  u16,
  u32,
  u64,
  varBytes,
} from '../codec.js';
import { tlv } from '../tlv.js';
import { defineMessage, type MessageOf } from './define.js';

const bytes32 = bytes(32);

/** BOLT 2 `upfront_shutdown_script` and `channel_type` of the v1 and v2 opening messages. */
const openingTlvs = {
  /** The scriptpubkey the sender commits to close to (empty: no commitment). */
  upfrontShutdownScript: tlv(0, restBytes),
  /** A BOLT 9 feature vector naming the channel type (interpret with `Features.fromBytes`). */
  channelType: tlv(1, restBytes),
};

// ---------- interactive transaction construction ----------

export const txAddInput = defineMessage(
  66,
  'tx_add_input',
  { channelId, serialId: u64, prevtx: varBytes, prevtxVout: u32, sequence: u32 },
  { sharedInputTxid: tlv(0, sha256Hash) },
);

export const txAddOutput = defineMessage(67, 'tx_add_output', {
  channelId,
  serialId: u64,
  sats: u64,
  script: varBytes,
});

export const txRemoveInput = defineMessage(68, 'tx_remove_input', { channelId, serialId: u64 });

export const txRemoveOutput = defineMessage(69, 'tx_remove_output', { channelId, serialId: u64 });

export const txComplete = defineMessage(70, 'tx_complete', { channelId });

/** `witnesses`: one serialized witness stack (the BOLT 2 `witness` subtype's `witness_data`) per input. */
export const txSignatures = defineMessage(
  71,
  'tx_signatures',
  { channelId, txid: sha256Hash, witnesses: countedArray(varBytes) },
  { sharedInputSignature: tlv(0, signature) },
);

const rbfTlvs = {
  /** Signed: the sender's contribution to the funding output, in satoshis. */
  fundingOutputContribution: tlv(0, s64),
  requireConfirmedInputs: tlv(2, flag),
};

export const txInitRbf = defineMessage(
  72,
  'tx_init_rbf',
  { channelId, locktime: u32, feerate: u32 },
  rbfTlvs,
);

export const txAckRbf = defineMessage(73, 'tx_ack_rbf', { channelId }, rbfTlvs);

export const txAbort = defineMessage(74, 'tx_abort', { channelId, data: varBytes });

// ---------- channel establishment v1 ----------

export const openChannel = defineMessage(
  32,
  'open_channel',
  {
    chainHash,
    temporaryChannelId: bytes32,
    fundingSatoshis: u64,
    pushMsat: u64,
    dustLimitSatoshis: u64,
    maxHtlcValueInFlightMsat: u64,
    channelReserveSatoshis: u64,
    htlcMinimumMsat: u64,
    feeratePerKw: u32,
    toSelfDelay: u16,
    maxAcceptedHtlcs: u16,
    fundingPubkey: point,
    revocationBasepoint: point,
    paymentBasepoint: point,
    delayedPaymentBasepoint: point,
    htlcBasepoint: point,
    firstPerCommitmentPoint: point,
    channelFlags: u8,
  },
  openingTlvs,
);

export const acceptChannel = defineMessage(
  33,
  'accept_channel',
  {
    temporaryChannelId: bytes32,
    dustLimitSatoshis: u64,
    maxHtlcValueInFlightMsat: u64,
    channelReserveSatoshis: u64,
    htlcMinimumMsat: u64,
    minimumDepth: u32,
    toSelfDelay: u16,
    maxAcceptedHtlcs: u16,
    fundingPubkey: point,
    revocationBasepoint: point,
    paymentBasepoint: point,
    delayedPaymentBasepoint: point,
    htlcBasepoint: point,
    firstPerCommitmentPoint: point,
  },
  openingTlvs,
);

export const fundingCreated = defineMessage(34, 'funding_created', {
  temporaryChannelId: bytes32,
  fundingTxid: sha256Hash,
  fundingOutputIndex: u16,
  signature,
});

export const fundingSigned = defineMessage(35, 'funding_signed', { channelId, signature });

export const channelReady = defineMessage(
  36,
  'channel_ready',
  { channelId, secondPerCommitmentPoint: point },
  /** `shortChannelId`: the `alias` the peer should use for this channel (option_scid_alias). */
  { shortChannelId: tlv(1, shortChannelId) },
);

// ---------- channel establishment v2 (option_dual_fund) ----------

const dualFundTlvs = { ...openingTlvs, requireConfirmedInputs: tlv(2, flag) };

export const openChannel2 = defineMessage(
  64,
  'open_channel2',
  {
    chainHash,
    temporaryChannelId: channelId,
    fundingFeeratePerkw: u32,
    commitmentFeeratePerkw: u32,
    fundingSatoshis: u64,
    dustLimitSatoshis: u64,
    maxHtlcValueInFlightMsat: u64,
    htlcMinimumMsat: u64,
    toSelfDelay: u16,
    maxAcceptedHtlcs: u16,
    locktime: u32,
    fundingPubkey: point,
    revocationBasepoint: point,
    paymentBasepoint: point,
    delayedPaymentBasepoint: point,
    htlcBasepoint: point,
    firstPerCommitmentPoint: point,
    secondPerCommitmentPoint: point,
    channelFlags: u8,
  },
  dualFundTlvs,
);

export const acceptChannel2 = defineMessage(
  65,
  'accept_channel2',
  {
    temporaryChannelId: channelId,
    fundingSatoshis: u64,
    dustLimitSatoshis: u64,
    maxHtlcValueInFlightMsat: u64,
    htlcMinimumMsat: u64,
    minimumDepth: u32,
    toSelfDelay: u16,
    maxAcceptedHtlcs: u16,
    fundingPubkey: point,
    revocationBasepoint: point,
    paymentBasepoint: point,
    delayedPaymentBasepoint: point,
    htlcBasepoint: point,
    firstPerCommitmentPoint: point,
    secondPerCommitmentPoint: point,
  },
  dualFundTlvs,
);

// ---------- quiescence and splicing ----------

export const stfu = defineMessage(2, 'stfu', { channelId, initiator: u8 });

export const spliceInit = defineMessage(
  80,
  'splice_init',
  {
    channelId,
    fundingContributionSatoshis: s64,
    fundingFeeratePerkw: u32,
    locktime: u32,
    fundingPubkey: point,
  },
  { requireConfirmedInputs: tlv(2, flag) },
);

export const spliceAck = defineMessage(
  81,
  'splice_ack',
  { channelId, fundingContributionSatoshis: s64, fundingPubkey: point },
  { requireConfirmedInputs: tlv(2, flag) },
);

export const spliceLocked = defineMessage(77, 'splice_locked', { channelId, spliceTxid: sha256Hash });

// ---------- closing ----------

export const shutdown = defineMessage(38, 'shutdown', { channelId, scriptpubkey: varBytes });

const closingFields = {
  channelId,
  closerScriptpubkey: varBytes,
  closeeScriptpubkey: varBytes,
  feeSatoshis: u64,
  locktime: u32,
};

/** option_simple_close: one signature per closing transaction variant the closer offers. */
const closingTlvs = {
  closerOutputOnly: tlv(1, signature),
  closeeOutputOnly: tlv(2, signature),
  closerAndCloseeOutputs: tlv(3, signature),
};

export const closingComplete = defineMessage(40, 'closing_complete', closingFields, closingTlvs);

export const closingSig = defineMessage(41, 'closing_sig', closingFields, closingTlvs);

export const closingSigned = defineMessage(
  39,
  'closing_signed',
  { channelId, feeSatoshis: u64, signature },
  { feeRange: tlv(1, struct('fee_range', { minFeeSatoshis: u64, maxFeeSatoshis: u64 })) },
);

// ---------- normal operation ----------

/** The size of `onion_routing_packet` (BOLT 4: version, public key, 1300-byte payloads, HMAC). */
export const ONION_PACKET_LENGTH = 1366;

export const updateAddHtlc = defineMessage(
  128,
  'update_add_htlc',
  {
    channelId,
    id: u64,
    amountMsat: u64,
    paymentHash: sha256Hash,
    cltvExpiry: u32,
    onionRoutingPacket: bytes(ONION_PACKET_LENGTH),
  },
  /** `blindedPath`: its `path_key`, the point a blinded hop uses to decrypt its route data. */
  { blindedPath: tlv(0, point) },
);

/** BOLT 4 attribution data: 20 hold times and 210 four-byte truncated HMACs. */
const attributionData = tlv(
  1,
  struct('attribution_data', {
    htlcHoldTimes: fixedArray(u32, 20),
    truncatedHmacs: fixedArray(bytes(4), 210),
  }),
);

export const updateFulfillHtlc = defineMessage(
  130,
  'update_fulfill_htlc',
  { channelId, id: u64, paymentPreimage: bytes32 },
  { attributionData },
);

export const updateFailHtlc = defineMessage(
  131,
  'update_fail_htlc',
  { channelId, id: u64, reason: varBytes },
  { attributionData },
);

export const updateFailMalformedHtlc = defineMessage(135, 'update_fail_malformed_htlc', {
  channelId,
  id: u64,
  sha256OfOnion: sha256Hash,
  failureCode: u16,
});

export const startBatch = defineMessage(
  127,
  'start_batch',
  { channelId, batchSize: u16 },
  { messageType: tlv(1, u16) },
);

/** `htlcSignature`: one signature per HTLC transaction, in commitment output order (BOLT 3). */
export const commitmentSigned = defineMessage(
  132,
  'commitment_signed',
  { channelId, signature, htlcSignature: countedArray(signature) },
  { fundingTxid: tlv(1, sha256Hash) },
);

export const revokeAndAck = defineMessage(133, 'revoke_and_ack', {
  channelId,
  perCommitmentSecret: bytes32,
  nextPerCommitmentPoint: point,
});

export const updateFee = defineMessage(134, 'update_fee', { channelId, feeratePerKw: u32 });

// ---------- reestablishment ----------

export const channelReestablish = defineMessage(
  136,
  'channel_reestablish',
  {
    channelId,
    nextCommitmentNumber: u64,
    nextRevocationNumber: u64,
    yourLastPerCommitmentSecret: bytes32,
    myCurrentPerCommitmentPoint: point,
  },
  {
    nextFunding: tlv(1, struct('next_funding', { nextFundingTxid: sha256Hash, retransmitFlags: u8 })),
    myCurrentFundingLocked: tlv(
      5,
      struct('my_current_funding_locked', { myCurrentFundingLockedTxid: sha256Hash, retransmitFlags: u8 }),
    ),
  },
);

/** Every BOLT 2 message definition. */
export const bolt2Messages = [
  txAddInput,
  txAddOutput,
  txRemoveInput,
  txRemoveOutput,
  txComplete,
  txSignatures,
  txInitRbf,
  txAckRbf,
  txAbort,
  openChannel,
  acceptChannel,
  fundingCreated,
  fundingSigned,
  channelReady,
  openChannel2,
  acceptChannel2,
  stfu,
  spliceInit,
  spliceAck,
  spliceLocked,
  shutdown,
  closingComplete,
  closingSig,
  closingSigned,
  updateAddHtlc,
  updateFulfillHtlc,
  updateFailHtlc,
  updateFailMalformedHtlc,
  startBatch,
  commitmentSigned,
  revokeAndAck,
  updateFee,
  channelReestablish,
] as const;

export type TxAddInput = MessageOf<typeof txAddInput>;
export type TxAddOutput = MessageOf<typeof txAddOutput>;
export type TxRemoveInput = MessageOf<typeof txRemoveInput>;
export type TxRemoveOutput = MessageOf<typeof txRemoveOutput>;
export type TxComplete = MessageOf<typeof txComplete>;
export type TxSignatures = MessageOf<typeof txSignatures>;
export type TxInitRbf = MessageOf<typeof txInitRbf>;
export type TxAckRbf = MessageOf<typeof txAckRbf>;
export type TxAbort = MessageOf<typeof txAbort>;
export type OpenChannel = MessageOf<typeof openChannel>;
export type AcceptChannel = MessageOf<typeof acceptChannel>;
export type FundingCreated = MessageOf<typeof fundingCreated>;
export type FundingSigned = MessageOf<typeof fundingSigned>;
export type ChannelReady = MessageOf<typeof channelReady>;
export type OpenChannel2 = MessageOf<typeof openChannel2>;
export type AcceptChannel2 = MessageOf<typeof acceptChannel2>;
export type Stfu = MessageOf<typeof stfu>;
export type SpliceInit = MessageOf<typeof spliceInit>;
export type SpliceAck = MessageOf<typeof spliceAck>;
export type SpliceLocked = MessageOf<typeof spliceLocked>;
export type Shutdown = MessageOf<typeof shutdown>;
export type ClosingComplete = MessageOf<typeof closingComplete>;
export type ClosingSig = MessageOf<typeof closingSig>;
export type ClosingSigned = MessageOf<typeof closingSigned>;
export type UpdateAddHtlc = MessageOf<typeof updateAddHtlc>;
export type UpdateFulfillHtlc = MessageOf<typeof updateFulfillHtlc>;
export type UpdateFailHtlc = MessageOf<typeof updateFailHtlc>;
export type UpdateFailMalformedHtlc = MessageOf<typeof updateFailMalformedHtlc>;
export type StartBatch = MessageOf<typeof startBatch>;
export type CommitmentSigned = MessageOf<typeof commitmentSigned>;
export type RevokeAndAck = MessageOf<typeof revokeAndAck>;
export type UpdateFee = MessageOf<typeof updateFee>;
export type ChannelReestablish = MessageOf<typeof channelReestablish>;
