// src/api/json-schemas.ts: the JSON the API answers with, declared once. The converters in
// to-json.ts are typed by these schemas, the OpenAPI document is generated from them, and the tests
// check real responses against them, so the document cannot drift from what is sent.
//
// Conventions: amounts are decimal strings (msat or sat, as the name says), bytes are lowercase hex,
// short channel ids are `BxTxO`, times are unix milliseconds, absent values are omitted or null as
// documented.
import { z } from 'zod';

const hex = (what: string) =>
  z
    .string()
    .regex(/^([0-9a-f]{2})*$/)
    .describe(`${what}, hex`);
const hexN = (bytes: number, what: string) =>
  z
    .string()
    .regex(new RegExp(`^[0-9a-f]{${bytes * 2}}$`))
    .describe(`${what}, ${bytes} bytes hex`);
const msat = z.string().regex(/^\d+$/).describe('millisatoshis, decimal string');
const sat = z.string().regex(/^\d+$/).describe('satoshis, decimal string');
const unixMs = z.int().describe('unix time, milliseconds');
const scid = z
  .string()
  .regex(/^\d+x\d+x\d+$/)
  .describe('short channel id, BxTxO');

export const NodeIdJson = hexN(33, 'node id');

export const ErrorJson = z
  .object({
    error: z.object({
      code: z.string().describe('stable, machine-readable'),
      message: z.string().describe('what was wrong and what to do'),
    }),
  })
  .meta({ id: 'Error' });

export const InfoJson = z
  .object({
    nodeId: NodeIdJson,
    alias: z.string(),
    color: z.string(),
    network: z.enum(['bitcoin', 'testnet', 'signet', 'regtest']),
    addresses: z.array(z.string()),
    version: z.string(),
    blockHeight: z.int(),
    syncedToChain: z.boolean(),
    syncedToGraph: z.boolean(),
    features: z.array(z.int()),
    acceptKeysend: z.boolean(),
    numPeers: z.int(),
    numActiveChannels: z.int(),
    numPendingChannels: z.int(),
    graphNodeCount: z.int(),
    graphChannelCount: z.int(),
  })
  .meta({ id: 'Info' });

export const PeerJson = z
  .object({
    nodeId: NodeIdJson,
    alias: z.string().optional(),
    address: z.string(),
    inbound: z.boolean(),
    connected: z.boolean(),
    features: z.array(z.int()),
    connectedAt: unixMs.nullable(),
  })
  .meta({ id: 'Peer' });

export const ChannelJson = z
  .object({
    channelId: hexN(32, 'channel id'),
    shortChannelId: scid.nullable(),
    peerNodeId: NodeIdJson,
    peerAlias: z.string().optional(),
    status: z.enum(['pending_open', 'open', 'closing', 'closed']),
    state: z.string().describe("the channel state machine's state"),
    active: z.boolean(),
    private: z.boolean(),
    initiator: z.enum(['local', 'remote']),
    capacitySat: sat,
    localBalanceMsat: msat,
    remoteBalanceMsat: msat,
    spendableMsat: msat,
    receivableMsat: msat,
    fundingTxid: hexN(32, 'funding txid (display order, as block explorers show it)'),
    fundingOutputIndex: z.int(),
    confirmations: z.int(),
    requiredConfirmations: z.int(),
    closingTxid: hexN(32, 'closing txid (display order)').nullable(),
    pendingHtlcs: z.int(),
    channelType: z.enum(['static_remotekey', 'anchors']).describe('the commitment format'),
  })
  .meta({ id: 'Channel' });

export const ChannelListJson = z
  .object({
    channels: z.array(ChannelJson),
    totals: z.object({
      localBalanceMsat: msat,
      remoteBalanceMsat: msat,
      capacitySat: sat,
      pendingOpenSat: sat.describe('capacity of channels still waiting for confirmations'),
    }),
  })
  .meta({ id: 'ChannelList' });

export const OpenChannelJson = z
  .object({
    channelId: hexN(32, 'channel id'),
    fundingTxid: hexN(32, 'funding txid (display order)'),
    fundingOutputIndex: z.int(),
  })
  .meta({ id: 'OpenChannelResult' });

export const CloseChannelJson = z
  .object({ closingTxid: hexN(32, 'closing txid (display order)').nullable() })
  .meta({ id: 'CloseChannelResult' });

export const BalanceJson = z
  .object({
    onchain: z.object({
      confirmedSat: sat,
      unconfirmedSat: sat,
      lockedSat: sat,
      totalSat: sat,
    }),
    channels: z.object({
      localBalanceMsat: msat,
      remoteBalanceMsat: msat,
      pendingOpenSat: sat,
    }),
  })
  .meta({ id: 'Balance' });

export const AddressJson = z.object({ address: z.string() }).meta({ id: 'Address' });

export const SendOnChainJson = z
  .object({ txid: hexN(32, 'txid (display order)'), amountSat: sat, feeSat: sat })
  .meta({ id: 'SendOnChainResult' });

export const RecordsJson = z
  .record(z.string().regex(/^\d+$/), hex('record value'))
  .describe('custom records: decimal TLV type -> hex value, byte-exact')
  .meta({ id: 'Records' });

export const RouteHopJson = z
  .object({
    nodeId: NodeIdJson,
    shortChannelId: scid,
    direction: z.union([z.literal(0), z.literal(1)]),
    amtToForwardMsat: msat,
    outgoingCltvValue: z.int(),
    feeMsat: msat,
  })
  .meta({ id: 'RouteHop' });

export const RouteJson = z
  .object({
    hops: z.array(RouteHopJson),
    amountMsat: msat,
    totalAmountMsat: msat,
    totalFeeMsat: msat,
    totalCltvDelta: z.int(),
    cltvExpiry: z.int(),
    successProbability: z.number(),
  })
  .meta({ id: 'Route' });

export const AttemptJson = z
  .object({
    attemptNumber: z.int(),
    status: z.enum(['in_flight', 'succeeded', 'failed']),
    route: RouteJson,
    failingHop: z.int().nullable(),
    failureCode: z.int().nullable(),
    failureName: z.string().optional(),
    failureReason: z.string().optional(),
    onChainReason: z
      .string()
      .optional()
      .describe(
        'set when our channel to the first hop closed with this HTLC in it: the attempt stays in_flight ' +
          'until the chain resolves the HTLC, and the payment is not retried meanwhile',
      ),
    createdAt: unixMs,
    updatedAt: unixMs,
  })
  .meta({ id: 'Attempt' });

export const PaymentJson = z
  .object({
    id: z.int(),
    kind: z.enum(['keysend', 'bolt11']),
    paymentHash: hexN(32, 'payment hash'),
    preimage: hexN(32, 'preimage').nullable(),
    destination: NodeIdJson,
    destinationAlias: z.string().optional(),
    amountMsat: msat,
    feeMsat: msat,
    status: z.enum(['in_flight', 'succeeded', 'failed']),
    failureReason: z.string().nullable(),
    idempotencyKey: z.string().nullable(),
    bolt11: z.string().nullable(),
    message: z.string().optional(),
    records: RecordsJson,
    createdAt: unixMs,
    updatedAt: unixMs,
    attempts: z.array(AttemptJson).optional(),
  })
  .meta({ id: 'Payment' });

export const PaymentListJson = z.object({ payments: z.array(PaymentJson) }).meta({ id: 'PaymentList' });

export const KeysendAppJson = z
  .object({
    message: z.string().optional(),
    senderNodeId: NodeIdJson.optional(),
    senderVerified: z.boolean(),
    senderUnverifiedReason: z.string().optional(),
    timestampNs: z.string().regex(/^\d+$/).optional(),
    boost: z
      .record(z.string(), z.unknown())
      .optional()
      .describe('the bLIP 10 JSON object as the sender wrote it'),
  })
  .meta({ id: 'KeysendApp' });

export const InvoiceJson = z
  .object({
    paymentHash: hexN(32, 'payment hash'),
    preimage: hexN(32, 'preimage').nullable(),
    amountMsat: msat.nullable().describe('null: any amount'),
    amountReceivedMsat: msat,
    state: z.enum(['open', 'accepted', 'settled', 'canceled', 'expired']),
    keysend: z.boolean(),
    bolt11: z.string().nullable(),
    memo: z.string(),
    createdAt: unixMs,
    settledAt: unixMs.nullable(),
    expiresAt: unixMs.nullable(),
    addIndex: z.int(),
    settleIndex: z.int().nullable(),
    hold: z.boolean(),
    records: RecordsJson,
    app: KeysendAppJson.optional(),
  })
  .meta({ id: 'Invoice' });

export const InvoiceListJson = z
  .object({ invoices: z.array(InvoiceJson), nextOffset: z.int().nullable() })
  .meta({ id: 'InvoiceList' });

export const CreatedInvoiceJson = z
  .object({ bolt11: z.string(), paymentHash: hexN(32, 'payment hash'), invoice: InvoiceJson })
  .meta({ id: 'CreatedInvoice' });

export const GraphNodeJson = z
  .object({
    nodeId: NodeIdJson,
    alias: z.string().nullable(),
    features: z.array(z.int()),
    channelCount: z.int(),
  })
  .meta({ id: 'GraphNode' });

export const ChannelPolicyJson = z
  .object({
    feeBaseMsat: msat,
    feeProportionalMillionths: z.int(),
    cltvExpiryDelta: z.int(),
    htlcMinimumMsat: msat,
    htlcMaximumMsat: msat,
    disabled: z.boolean(),
    timestamp: z.int().describe('channel_update timestamp, seconds'),
  })
  .meta({ id: 'ChannelPolicy' });

export const GraphChannelJson = z
  .object({
    shortChannelId: scid,
    node1: NodeIdJson,
    node2: NodeIdJson,
    capacitySat: sat.nullable(),
    features: z.array(z.int()),
    policies: z
      .tuple([ChannelPolicyJson.nullable(), ChannelPolicyJson.nullable()])
      .describe('[what node1 charges, what node2 charges]'),
  })
  .meta({ id: 'GraphChannel' });

export const GraphNodesJson = z.object({ nodes: z.array(GraphNodeJson) }).meta({ id: 'GraphNodeList' });
export const GraphChannelsJson = z
  .object({ channels: z.array(GraphChannelJson) })
  .meta({ id: 'GraphChannelList' });

export const FeePolicyJson = z
  .object({
    feeBaseMsat: msat,
    feeProportionalMillionths: z.int(),
    cltvExpiryDelta: z.int(),
    htlcMinimumMsat: msat,
    htlcMaximumMsat: msat,
  })
  .meta({ id: 'FeePolicy' });

export const FeesJson = z
  .object({
    defaults: FeePolicyJson,
    channels: z.array(
      z.object({
        channelId: hexN(32, 'channel id'),
        shortChannelId: scid.nullable(),
        policy: FeePolicyJson,
      }),
    ),
  })
  .meta({ id: 'Fees' });

export const ForwardJson = z
  .object({
    paymentHash: hexN(32, 'payment hash'),
    incomingChannelId: hexN(32, 'channel id'),
    outgoingChannelId: hexN(32, 'channel id'),
    incomingAmountMsat: msat,
    outgoingAmountMsat: msat,
    feeMsat: msat,
    status: z.enum(['pending', 'settled', 'failed']),
    failureReason: z.string().nullable(),
    createdAt: unixMs,
    resolvedAt: unixMs.nullable(),
  })
  .meta({ id: 'Forward' });

export const OkJson = z.object({ ok: z.literal(true) }).meta({ id: 'Ok' });

/** The `data` of each server-sent event, by event name. */
export const EventJson = z
  .discriminatedUnion('type', [
    z.object({ type: z.literal('invoice_settled'), invoice: InvoiceJson }),
    z.object({ type: z.literal('payment_updated'), payment: PaymentJson }),
    z.object({ type: z.literal('channel_changed'), channel: ChannelJson }),
    z.object({
      type: z.literal('peer_changed'),
      change: z.enum(['connected', 'disconnected']),
      peer: PeerJson,
    }),
    z.object({ type: z.literal('htlc_forwarded'), forward: ForwardJson }),
    z.object({
      type: z.literal('sync_progress'),
      blockHeight: z.int(),
      syncedToChain: z.boolean(),
      graphNodeCount: z.int(),
      graphChannelCount: z.int(),
      syncedToGraph: z.boolean(),
    }),
  ])
  .meta({ id: 'Event' });

export type EventJsonType = z.infer<typeof EventJson>;
