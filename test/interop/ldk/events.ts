// test/interop/ldk/events.ts: LDK events as plain JSON records (read synchronously inside the
// event handler, so nothing refers to LDK memory afterwards), plus the conversions the node's
// payment bookkeeping shares with them.
import * as ldk from 'lightningdevkit';
import {
  bitsFromLeFlags,
  bytes32OrNull,
  channelIdHex,
  copy,
  enumName,
  hex,
  nn,
  pubkeyOrNull,
  reversed,
  u32OrNull,
  u64OrNull,
  u128FromLdk,
} from './ldk-values.js';
import type { CustomRecordsJson, HopJson, Json, PathFailureJson } from './protocol.js';

export function pathHops(path: ldk.Path | null | undefined): HopJson[] {
  const p = nn(path);
  if (p === undefined) return [];
  return p.get_hops().map((h) => ({
    nodeId: hex(h.get_pubkey()),
    shortChannelId: h.get_short_channel_id().toString(),
    feeMsat: h.get_fee_msat().toString(),
    cltvExpiryDelta: h.get_cltv_expiry_delta(),
  }));
}

export function customRecords(fields: ldk.RecipientOnionFields | null | undefined): CustomRecordsJson {
  const f = nn(fields);
  const out: CustomRecordsJson = {};
  if (f === undefined) return out;
  for (const t of f.custom_tlvs()) out[t.get_a().toString()] = hex(t.get_b());
  return out;
}

export function networkUpdateText(update: ldk.NetworkUpdate): string {
  if (update instanceof ldk.NetworkUpdate_ChannelFailure)
    return `ChannelFailure(${update.short_channel_id}, permanent=${Boolean(update.is_permanent)})`;
  if (update instanceof ldk.NetworkUpdate_NodeFailure)
    return `NodeFailure(${hex(update.node_id)}, permanent=${Boolean(update.is_permanent)})`;
  return update.constructor.name;
}

export function pathFailure(e: ldk.Event_PaymentPathFailed): PathFailureJson {
  const failure = e.failure;
  let networkUpdate: string | null = null;
  if (
    failure instanceof ldk.PathFailure_OnPath &&
    failure.network_update instanceof ldk.Option_NetworkUpdateZ_Some
  )
    networkUpdate = networkUpdateText(failure.network_update.some);
  return {
    shortChannelId: u64OrNull(e.short_channel_id),
    permanent: Boolean(e.payment_failed_permanently),
    networkUpdate,
  };
}

export type Purpose =
  | { kind: 'spontaneous'; preimage: Uint8Array }
  | { kind: 'bolt11' | 'bolt12'; preimage: Uint8Array | undefined };

export function paymentPurpose(p: ldk.PaymentPurpose): Purpose {
  if (p instanceof ldk.PaymentPurpose_SpontaneousPayment)
    return { kind: 'spontaneous', preimage: copy(p.spontaneous_payment) };
  const kind = p instanceof ldk.PaymentPurpose_Bolt11InvoicePayment ? 'bolt11' : 'bolt12';
  const preimage =
    p instanceof ldk.PaymentPurpose_Bolt11InvoicePayment ||
    p instanceof ldk.PaymentPurpose_Bolt12OfferPayment ||
    p instanceof ldk.PaymentPurpose_Bolt12RefundPayment
      ? p.payment_preimage
      : undefined;
  return {
    kind,
    preimage: preimage instanceof ldk.Option_ThirtyTwoBytesZ_Some ? copy(preimage.some) : undefined,
  };
}

function outpoint(o: ldk.OutPoint | null | undefined): Json {
  const op = nn(o);
  return op === undefined ? null : { txid: hex(reversed(op.get_txid())), index: op.get_index() };
}

function channelType(f: ldk.ChannelTypeFeatures | null | undefined): Json {
  const t = nn(f);
  return t === undefined ? null : bitsFromLeFlags(t.le_flags());
}

function htlcDestination(d: ldk.HTLCDestination): Json {
  if (d instanceof ldk.HTLCDestination_NextHopChannel)
    return { kind: 'NextHopChannel', nodeId: pubkeyOrNull(d.node_id), channelId: channelIdHex(d.channel_id) };
  if (d instanceof ldk.HTLCDestination_UnknownNextHop)
    return { kind: 'UnknownNextHop', scid: d.requested_forward_scid.toString() };
  if (d instanceof ldk.HTLCDestination_InvalidForward)
    return { kind: 'InvalidForward', scid: d.requested_forward_scid.toString() };
  if (d instanceof ldk.HTLCDestination_FailedPayment)
    return { kind: 'FailedPayment', paymentHash: hex(d.payment_hash) };
  return { kind: d.constructor.name.replace('HTLCDestination_', '') };
}

/** The event's name (without `Event_`) and its fields as JSON. */
export function describeEvent(e: ldk.Event): { kind: string; data: { [key: string]: Json } } {
  const kind = e.constructor.name.replace(/^Event_/, '');
  const data = ((): { [key: string]: Json } => {
    if (e instanceof ldk.Event_FundingGenerationReady)
      return {
        temporaryChannelId: channelIdHex(e.temporary_channel_id),
        counterpartyNodeId: hex(e.counterparty_node_id),
        channelValueSat: e.channel_value_satoshis.toString(),
        outputScript: hex(e.output_script),
        userChannelId: u128FromLdk(e.user_channel_id).toString(),
      };
    if (e instanceof ldk.Event_OpenChannelRequest) {
      const funds = e.channel_negotiation_type;
      const params = nn(e.params);
      return {
        temporaryChannelId: channelIdHex(e.temporary_channel_id),
        counterpartyNodeId: hex(e.counterparty_node_id),
        fundingSat: e.funding_satoshis.toString(),
        pushMsat: funds instanceof ldk.InboundChannelFunds_PushMsat ? funds.push_msat.toString() : null,
        channelTypeBits: channelType(e.channel_type),
        isAnnounced: Boolean(e.is_announced),
        params:
          params === undefined
            ? null
            : {
                dustLimitSat: params.get_dust_limit_satoshis().toString(),
                maxHtlcValueInFlightMsat: params.get_max_htlc_value_in_flight_msat().toString(),
                htlcMinimumMsat: params.get_htlc_minimum_msat().toString(),
                toSelfDelay: params.get_to_self_delay(),
                maxAcceptedHtlcs: params.get_max_accepted_htlcs(),
              },
      };
    }
    if (e instanceof ldk.Event_ChannelPending)
      return {
        channelId: channelIdHex(e.channel_id),
        userChannelId: u128FromLdk(e.user_channel_id).toString(),
        formerTemporaryChannelId: channelIdHex(e.former_temporary_channel_id),
        counterpartyNodeId: hex(e.counterparty_node_id),
        fundingTxo: outpoint(e.funding_txo),
        channelTypeBits: channelType(e.channel_type),
      };
    if (e instanceof ldk.Event_ChannelReady)
      return {
        channelId: channelIdHex(e.channel_id),
        userChannelId: u128FromLdk(e.user_channel_id).toString(),
        counterpartyNodeId: hex(e.counterparty_node_id),
        channelTypeBits: channelType(e.channel_type),
      };
    if (e instanceof ldk.Event_ChannelClosed)
      return {
        channelId: channelIdHex(e.channel_id),
        userChannelId: u128FromLdk(e.user_channel_id).toString(),
        reason: nn(e.reason)?.to_str() ?? null,
        counterpartyNodeId: pubkeyOrNull(e.counterparty_node_id),
        capacitySat: u64OrNull(e.channel_capacity_sats),
        fundingTxo: outpoint(e.channel_funding_txo),
        lastLocalBalanceMsat: u64OrNull(e.last_local_balance_msat),
      };
    if (e instanceof ldk.Event_PaymentClaimable) {
      const purpose = paymentPurpose(e.purpose);
      return {
        paymentHash: hex(e.payment_hash),
        amountMsat: e.amount_msat.toString(),
        purpose: purpose.kind,
        preimage: purpose.preimage === undefined ? null : hex(purpose.preimage),
        customRecords: customRecords(e.onion_fields),
        viaChannelId: channelIdHex(e.via_channel_id),
        claimDeadline: u32OrNull(e.claim_deadline),
      };
    }
    if (e instanceof ldk.Event_PaymentClaimed)
      return {
        paymentHash: hex(e.payment_hash),
        amountMsat: e.amount_msat.toString(),
        purpose: paymentPurpose(e.purpose).kind,
        customRecords: customRecords(e.onion_fields),
        htlcs: e.htlcs.length,
      };
    if (e instanceof ldk.Event_PaymentSent)
      return {
        paymentId: bytes32OrNull(e.payment_id),
        paymentHash: hex(e.payment_hash),
        preimage: hex(e.payment_preimage),
        feePaidMsat: u64OrNull(e.fee_paid_msat),
      };
    if (e instanceof ldk.Event_PaymentFailed)
      return {
        paymentId: hex(e.payment_id),
        paymentHash: bytes32OrNull(e.payment_hash),
        reason:
          e.reason instanceof ldk.Option_PaymentFailureReasonZ_Some
            ? enumName(ldk.PaymentFailureReason, e.reason.some, 'LDKPaymentFailureReason_')
            : null,
      };
    if (e instanceof ldk.Event_PaymentPathSuccessful)
      return {
        paymentId: hex(e.payment_id),
        paymentHash: bytes32OrNull(e.payment_hash),
        path: pathHops(e.path),
      };
    if (e instanceof ldk.Event_PaymentPathFailed) {
      const f = pathFailure(e);
      return {
        paymentId: bytes32OrNull(e.payment_id),
        paymentHash: hex(e.payment_hash),
        permanent: f.permanent,
        shortChannelId: f.shortChannelId,
        networkUpdate: f.networkUpdate,
        initialSendError:
          e.failure instanceof ldk.PathFailure_InitialSend ? e.failure.err.constructor.name : null,
        path: pathHops(e.path),
      };
    }
    if (e instanceof ldk.Event_PaymentForwarded)
      return {
        prevChannelId: channelIdHex(e.prev_channel_id),
        nextChannelId: channelIdHex(e.next_channel_id),
        prevNodeId: pubkeyOrNull(e.prev_node_id),
        nextNodeId: pubkeyOrNull(e.next_node_id),
        totalFeeEarnedMsat: u64OrNull(e.total_fee_earned_msat),
        outboundAmountForwardedMsat: u64OrNull(e.outbound_amount_forwarded_msat),
        claimFromOnchainTx: Boolean(e.claim_from_onchain_tx),
      };
    if (e instanceof ldk.Event_PendingHTLCsForwardable)
      return { timeForwardableSecs: e.time_forwardable.toString() };
    if (e instanceof ldk.Event_HTLCHandlingFailed)
      return {
        prevChannelId: channelIdHex(e.prev_channel_id),
        failedNextDestination: htlcDestination(e.failed_next_destination),
      };
    if (e instanceof ldk.Event_SpendableOutputs)
      return { channelId: channelIdHex(e.channel_id), outputs: e.outputs.length };
    if (e instanceof ldk.Event_DiscardFunding)
      return {
        channelId: channelIdHex(e.channel_id),
        fundingTx: e.funding_info instanceof ldk.FundingInfo_Tx ? hex(e.funding_info.transaction) : null,
      };
    if (e instanceof ldk.Event_FundingTxBroadcastSafe)
      return { channelId: channelIdHex(e.channel_id), fundingTxo: outpoint(e.funding_txo) };
    if (e instanceof ldk.Event_ConnectionNeeded) return { nodeId: hex(e.node_id) };
    return {};
  })();
  return { kind, data };
}
