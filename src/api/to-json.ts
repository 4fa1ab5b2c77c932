// src/api/to-json.ts: the node's values as API JSON (see json-schemas.ts for the conventions).
// Each converter's return type is the schema's type, so a field added to one and not the other
// fails to compile.
import type { z } from 'zod';
import { bytesToHex } from '../crypto/index.js';
import type { ChannelInfo, ChannelPolicy, NodeInfo, Route } from '../routing/index.js';
import { formatShortChannelId } from '../routing/index.js';
import type { CustomRecords } from '../store/index.js';
import { txidToHex } from '../tx/index.js';
import type * as J from './json-schemas.js';
import type {
  AttemptView,
  ChannelFeePolicy,
  ChannelView,
  FeePolicyView,
  ForwardView,
  InvoiceView,
  NodeEvent,
  NodeInfoView,
  PaymentView,
  PeerView,
} from './node-facade.js';

type Out<T extends z.ZodType> = z.output<T>;

const hex = bytesToHex;
const dec = (n: bigint): string => n.toString();

export function recordsToJson(records: CustomRecords): Out<typeof J.RecordsJson> {
  const out: Record<string, string> = {};
  for (const [type, value] of [...records].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    out[type.toString()] = hex(value);
  }
  return out;
}

export function infoToJson(i: NodeInfoView): Out<typeof J.InfoJson> {
  return {
    nodeId: hex(i.nodeId),
    alias: i.alias,
    color: i.color,
    network: i.network,
    addresses: [...i.addresses],
    version: i.version,
    blockHeight: i.blockHeight,
    syncedToChain: i.syncedToChain,
    syncedToGraph: i.syncedToGraph,
    features: [...i.features],
    acceptKeysend: i.acceptKeysend,
    numPeers: i.numPeers,
    numActiveChannels: i.numActiveChannels,
    numPendingChannels: i.numPendingChannels,
    graphNodeCount: i.graphNodeCount,
    graphChannelCount: i.graphChannelCount,
  };
}

export function peerToJson(p: PeerView): Out<typeof J.PeerJson> {
  return {
    nodeId: hex(p.nodeId),
    ...(p.alias !== undefined ? { alias: p.alias } : {}),
    address: p.address,
    inbound: p.inbound,
    connected: p.connected,
    features: [...p.features],
    connectedAt: p.connectedAt,
  };
}

export function channelToJson(c: ChannelView): Out<typeof J.ChannelJson> {
  return {
    channelId: hex(c.channelId),
    shortChannelId: c.shortChannelId === null ? null : formatShortChannelId(c.shortChannelId),
    peerNodeId: hex(c.peerNodeId),
    ...(c.peerAlias !== undefined ? { peerAlias: c.peerAlias } : {}),
    status: c.status,
    state: c.state,
    active: c.active,
    private: c.private,
    initiator: c.initiator,
    capacitySat: dec(c.capacitySat),
    localBalanceMsat: dec(c.localBalanceMsat),
    remoteBalanceMsat: dec(c.remoteBalanceMsat),
    spendableMsat: dec(c.spendableMsat),
    receivableMsat: dec(c.receivableMsat),
    // Txids leave the node in display order (docs/design-notes.md "Bytes and ids").
    fundingTxid: txidToHex(c.fundingTxid),
    fundingOutputIndex: c.fundingOutputIndex,
    confirmations: c.confirmations,
    requiredConfirmations: c.requiredConfirmations,
    closingTxid: c.closingTxid === null ? null : txidToHex(c.closingTxid),
    pendingHtlcs: c.pendingHtlcs,
    channelType: c.channelType,
  };
}

/** Channel totals for lists and the balance: closed channels hold nothing of ours any more. */
export function channelTotals(channels: readonly ChannelView[]): Out<typeof J.ChannelListJson>['totals'] {
  let local = 0n;
  let remote = 0n;
  let capacity = 0n;
  let pending = 0n;
  for (const c of channels) {
    if (c.status === 'closed') continue;
    local += c.localBalanceMsat;
    remote += c.remoteBalanceMsat;
    capacity += c.capacitySat;
    if (c.status === 'pending_open') pending += c.capacitySat;
  }
  return {
    localBalanceMsat: dec(local),
    remoteBalanceMsat: dec(remote),
    capacitySat: dec(capacity),
    pendingOpenSat: dec(pending),
  };
}

export function routeToJson(r: Route): Out<typeof J.RouteJson> {
  return {
    hops: r.hops.map((h) => ({
      nodeId: hex(h.nodeId),
      shortChannelId: formatShortChannelId(h.shortChannelId),
      direction: h.direction,
      amtToForwardMsat: dec(h.amtToForwardMsat),
      outgoingCltvValue: h.outgoingCltvValue,
      feeMsat: dec(h.feeMsat),
    })),
    amountMsat: dec(r.amountMsat),
    totalAmountMsat: dec(r.totalAmountMsat),
    totalFeeMsat: dec(r.totalFeeMsat),
    totalCltvDelta: r.totalCltvDelta,
    cltvExpiry: r.cltvExpiry,
    successProbability: r.successProbability,
  };
}

export function attemptToJson(a: AttemptView): Out<typeof J.AttemptJson> {
  return {
    attemptNumber: a.attemptNumber,
    status: a.status,
    route: routeToJson(a.route),
    failingHop: a.failingHop,
    failureCode: a.failureCode,
    ...(a.failureName !== undefined ? { failureName: a.failureName } : {}),
    ...(a.failureReason !== undefined ? { failureReason: a.failureReason } : {}),
    ...(a.onChainReason !== undefined ? { onChainReason: a.onChainReason } : {}),
    createdAt: a.createdAt,
    updatedAt: a.updatedAt,
  };
}

export function paymentToJson(p: PaymentView): Out<typeof J.PaymentJson> {
  return {
    id: p.id,
    kind: p.kind,
    paymentHash: hex(p.paymentHash),
    preimage: p.preimage === null ? null : hex(p.preimage),
    destination: hex(p.destination),
    ...(p.destinationAlias !== undefined ? { destinationAlias: p.destinationAlias } : {}),
    amountMsat: dec(p.amountMsat),
    feeMsat: dec(p.feeMsat),
    status: p.status,
    failureReason: p.failureReason,
    idempotencyKey: p.idempotencyKey,
    bolt11: p.bolt11,
    ...(p.message !== undefined ? { message: p.message } : {}),
    records: recordsToJson(p.customRecords),
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
    ...(p.attempts !== undefined ? { attempts: p.attempts.map(attemptToJson) } : {}),
  };
}

export function invoiceToJson(i: InvoiceView): Out<typeof J.InvoiceJson> {
  const out: Out<typeof J.InvoiceJson> = {
    paymentHash: hex(i.paymentHash),
    preimage: i.preimage === null ? null : hex(i.preimage),
    amountMsat: i.amountMsat === null ? null : dec(i.amountMsat),
    amountReceivedMsat: dec(i.amountReceivedMsat),
    state: i.state,
    keysend: i.keysend,
    bolt11: i.bolt11,
    memo: i.memo,
    createdAt: i.createdAt,
    settledAt: i.settledAt,
    expiresAt: i.expiresAt,
    addIndex: i.addIndex,
    settleIndex: i.settleIndex,
    hold: i.hold ?? false,
    records: recordsToJson(i.customRecords),
  };
  const a = i.app;
  if (a !== undefined) {
    out.app = {
      ...(a.message !== undefined ? { message: a.message } : {}),
      ...(a.senderNodeId !== undefined ? { senderNodeId: hex(a.senderNodeId) } : {}),
      senderVerified: a.senderVerified,
      ...(a.senderUnverifiedReason !== undefined ? { senderUnverifiedReason: a.senderUnverifiedReason } : {}),
      ...(a.timestampNs !== undefined ? { timestampNs: dec(a.timestampNs) } : {}),
      ...(a.boost !== undefined ? { boost: { ...a.boost.fields } } : {}),
    };
  }
  return out;
}

export function graphNodeToJson(n: NodeInfo): Out<typeof J.GraphNodeJson> {
  return {
    nodeId: hex(n.nodeId),
    alias: n.alias ?? null,
    features: [...n.features],
    channelCount: n.channelCount,
  };
}

function policyToJson(p: ChannelPolicy | undefined): Out<typeof J.ChannelPolicyJson> | null {
  if (p === undefined) return null;
  return {
    feeBaseMsat: dec(p.feeBaseMsat),
    feeProportionalMillionths: p.feeProportionalMillionths,
    cltvExpiryDelta: p.cltvExpiryDelta,
    htlcMinimumMsat: dec(p.htlcMinimumMsat),
    htlcMaximumMsat: dec(p.htlcMaximumMsat),
    disabled: p.disabled,
    timestamp: p.timestamp,
  };
}

export function graphChannelToJson(c: ChannelInfo): Out<typeof J.GraphChannelJson> {
  return {
    shortChannelId: formatShortChannelId(c.shortChannelId),
    node1: hex(c.node1),
    node2: hex(c.node2),
    capacitySat: c.capacitySat === undefined ? null : dec(c.capacitySat),
    features: [...c.features],
    policies: [policyToJson(c.policies[0]), policyToJson(c.policies[1])],
  };
}

function feePolicyToJson(p: ChannelFeePolicy): Out<typeof J.FeePolicyJson> {
  return {
    feeBaseMsat: dec(p.feeBaseMsat),
    feeProportionalMillionths: p.feeProportionalMillionths,
    cltvExpiryDelta: p.cltvExpiryDelta,
    htlcMinimumMsat: dec(p.htlcMinimumMsat),
    htlcMaximumMsat: dec(p.htlcMaximumMsat),
  };
}

export function feesToJson(f: FeePolicyView): Out<typeof J.FeesJson> {
  return {
    defaults: feePolicyToJson(f.defaults),
    channels: f.channels.map((c) => ({
      channelId: hex(c.channelId),
      shortChannelId: c.shortChannelId === null ? null : formatShortChannelId(c.shortChannelId),
      policy: feePolicyToJson(c.policy),
    })),
  };
}

export function forwardToJson(f: ForwardView): Out<typeof J.ForwardJson> {
  return {
    paymentHash: hex(f.paymentHash),
    incomingChannelId: hex(f.incomingChannelId),
    outgoingChannelId: hex(f.outgoingChannelId),
    incomingAmountMsat: dec(f.incomingAmountMsat),
    outgoingAmountMsat: dec(f.outgoingAmountMsat),
    feeMsat: dec(f.feeMsat),
    status: f.status,
    failureReason: f.failureReason,
    createdAt: f.createdAt,
    resolvedAt: f.resolvedAt,
  };
}

export function eventToJson(e: NodeEvent): Out<typeof J.EventJson> {
  switch (e.type) {
    case 'invoice_settled':
      return { type: e.type, invoice: invoiceToJson(e.invoice) };
    case 'payment_updated':
      return { type: e.type, payment: paymentToJson(e.payment) };
    case 'channel_changed':
      return { type: e.type, channel: channelToJson(e.channel) };
    case 'peer_changed':
      return { type: e.type, change: e.change, peer: peerToJson(e.peer) };
    case 'htlc_forwarded':
      return { type: e.type, forward: forwardToJson(e.forward) };
    case 'sync_progress':
      return { ...e };
  }
}
