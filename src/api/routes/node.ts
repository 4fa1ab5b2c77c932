// src/api/routes/node.ts: the node itself, its peers, channels, on-chain wallet and fee policy.
import { z } from 'zod';
import { bytesToHex } from '../../crypto/index.js';
import { txidToHex } from '../../tx/index.js';
import { ApiError } from '../errors.js';
import { channelType, feeRate, hash32Hex, msat, nodeIdHex, queryBool, sat } from '../input-types.js';
import * as J from '../json-schemas.js';
import { defineRoute, noFields } from '../route-def.js';
import { channelToJson, channelTotals, feesToJson, infoToJson, peerToJson } from '../to-json.js';

const hostPort = z
  .string({ error: 'expected host:port' })
  .max(300)
  .regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, {
    error: 'expected host:port, e.g. 127.0.0.1:9735 or [::1]:9735',
  })
  .refine((s) => {
    const port = Number(s.slice(s.lastIndexOf(':') + 1));
    return port >= 1 && port <= 65535;
  }, 'the port must be from 1 to 65535');

export const nodeRoutes = [
  defineRoute({
    method: 'GET',
    path: '/v1/info',
    operationId: 'getInfo',
    summary: 'This node: id, alias, network, sync state, counts',
    tag: 'node',
    access: 'read',
    query: noFields,
    response: J.InfoJson,
    errors: ['unavailable'],
    handle: async (_, { facade }) => infoToJson(await facade.getInfo()),
  }),

  defineRoute({
    method: 'GET',
    path: '/v1/session',
    operationId: 'getSession',
    summary: 'Which token this is: admin (may do everything) or readonly (may only read)',
    tag: 'node',
    access: 'read',
    query: noFields,
    response: z.object({ role: z.enum(['admin', 'readonly']) }).meta({ id: 'Session' }),
    errors: [],
    handle: async (_, { role }) => ({ role }),
  }),

  defineRoute({
    method: 'GET',
    path: '/v1/peers',
    operationId: 'listPeers',
    summary: 'Connected peers',
    tag: 'peers',
    access: 'read',
    query: noFields,
    response: z.object({ peers: z.array(J.PeerJson) }).meta({ id: 'PeerList' }),
    errors: [],
    handle: async (_, { facade }) => ({ peers: (await facade.listPeers()).map(peerToJson) }),
  }),

  defineRoute({
    method: 'POST',
    path: '/v1/peers',
    operationId: 'connectPeer',
    summary: 'Connect to a peer (BOLT 8 handshake and init); answers once connected',
    tag: 'peers',
    access: 'admin',
    body: z.strictObject({ nodeId: nodeIdHex, address: hostPort }).meta({ id: 'ConnectPeerRequest' }),
    response: J.PeerJson,
    errors: ['peer_unreachable', 'timeout'],
    handle: async ({ body }, { facade }) => peerToJson(await facade.connectPeer(body.nodeId, body.address)),
  }),

  defineRoute({
    method: 'DELETE',
    path: '/v1/peers/:nodeId',
    operationId: 'disconnectPeer',
    summary: 'Disconnect a peer',
    tag: 'peers',
    access: 'admin',
    params: z.strictObject({ nodeId: nodeIdHex }),
    response: J.OkJson,
    errors: ['not_found'],
    handle: async ({ params }, { facade }) => {
      await facade.disconnectPeer(params.nodeId);
      return { ok: true as const };
    },
  }),

  defineRoute({
    method: 'GET',
    path: '/v1/channels',
    operationId: 'listChannels',
    summary: 'Channels with local and remote balances, and totals',
    tag: 'channels',
    access: 'read',
    query: z.strictObject({ includeClosed: queryBool.optional() }),
    response: J.ChannelListJson,
    errors: [],
    handle: async ({ query }, { facade }) => {
      const all = await facade.listChannels();
      const channels = query.includeClosed === true ? all : all.filter((c) => c.status !== 'closed');
      return { channels: channels.map(channelToJson), totals: channelTotals(all) };
    },
  }),

  defineRoute({
    method: 'POST',
    path: '/v1/channels',
    operationId: 'openChannel',
    summary: 'Open a channel with a connected peer',
    description:
      'Answers 202 once the funding transaction is broadcast; follow `channel_changed` events for confirmations.',
    tag: 'channels',
    access: 'admin',
    otherStatuses: [202],
    body: z
      .strictObject({
        nodeId: nodeIdHex,
        amountSat: sat,
        pushMsat: msat.optional(),
        private: z.boolean().optional(),
        feeRateSatPerVbyte: feeRate.optional(),
        channelType: channelType.optional(),
      })
      .meta({ id: 'OpenChannelRequest' }),
    response: J.OpenChannelJson,
    errors: ['peer_not_connected', 'insufficient_funds', 'invalid_request'],
    handle: async ({ body }, { facade, setStatus }) => {
      const r = await facade.openChannel(body);
      setStatus(202);
      return {
        channelId: bytesToHex(r.channelId),
        fundingTxid: txidToHex(r.fundingTxid),
        fundingOutputIndex: r.fundingOutputIndex,
      };
    },
  }),

  defineRoute({
    method: 'POST',
    path: '/v1/channels/:channelId/close',
    operationId: 'closeChannel',
    summary: 'Close a channel: mutual by default, or force (broadcast our commitment)',
    tag: 'channels',
    access: 'admin',
    otherStatuses: [202],
    params: z.strictObject({ channelId: hash32Hex('a channel id') }),
    body: z
      .strictObject({ force: z.boolean().optional(), feeRateSatPerVbyte: feeRate.optional() })
      .meta({ id: 'CloseChannelRequest' }),
    response: J.CloseChannelJson,
    errors: ['not_found', 'channel_state', 'peer_not_connected'],
    handle: async ({ params, body }, { facade, setStatus }) => {
      const r = await facade.closeChannel({ channelId: params.channelId, ...body });
      setStatus(202);
      return { closingTxid: r.closingTxid === null ? null : txidToHex(r.closingTxid) };
    },
  }),

  defineRoute({
    method: 'GET',
    path: '/v1/balance',
    operationId: 'getBalance',
    summary: 'On-chain wallet balance and the balance in channels',
    tag: 'onchain',
    access: 'read',
    query: noFields,
    response: J.BalanceJson,
    errors: [],
    handle: async (_, { facade }) => {
      const [w, channels] = await Promise.all([facade.walletBalance(), facade.listChannels()]);
      const t = channelTotals(channels);
      return {
        onchain: {
          confirmedSat: w.confirmedSat.toString(),
          unconfirmedSat: w.unconfirmedSat.toString(),
          lockedSat: w.lockedSat.toString(),
          totalSat: (w.confirmedSat + w.unconfirmedSat).toString(),
        },
        channels: {
          localBalanceMsat: t.localBalanceMsat,
          remoteBalanceMsat: t.remoteBalanceMsat,
          pendingOpenSat: t.pendingOpenSat,
        },
      };
    },
  }),

  defineRoute({
    method: 'POST',
    path: '/v1/onchain/address',
    operationId: 'newAddress',
    summary: 'A new receive address of the on-chain wallet (BIP 84)',
    tag: 'onchain',
    access: 'admin',
    body: noFields,
    response: J.AddressJson,
    errors: [],
    handle: async (_, { facade }) => ({ address: await facade.newAddress() }),
  }),

  defineRoute({
    method: 'POST',
    path: '/v1/onchain/send',
    operationId: 'sendOnChain',
    summary: 'Send on-chain: an amount, or everything with sendAll',
    tag: 'onchain',
    access: 'admin',
    body: z
      .strictObject({
        address: z.string().min(14).max(100),
        amountSat: sat.optional(),
        sendAll: z.boolean().optional(),
        feeRateSatPerVbyte: feeRate.optional(),
      })
      .meta({ id: 'SendOnChainRequest' }),
    response: J.SendOnChainJson,
    errors: ['insufficient_funds'],
    handle: async ({ body }, { facade }) => {
      if ((body.amountSat === undefined) === (body.sendAll !== true)) {
        throw new ApiError('invalid_request', 'body: give exactly one of amountSat and sendAll: true');
      }
      const r = await facade.sendOnChain(body);
      return {
        txid: txidToHex(r.txid),
        amountSat: r.amountSat.toString(),
        feeSat: r.feeSat.toString(),
      };
    },
  }),

  defineRoute({
    method: 'GET',
    path: '/v1/fees',
    operationId: 'getFeePolicy',
    summary: 'Our forwarding fee policy: defaults and per channel',
    tag: 'fees',
    access: 'read',
    query: noFields,
    response: J.FeesJson,
    errors: [],
    handle: async (_, { facade }) => feesToJson(await facade.getFeePolicy()),
  }),

  defineRoute({
    method: 'POST',
    path: '/v1/fees',
    operationId: 'setFeePolicy',
    summary: 'Change the forwarding fee policy of one channel, or of all channels and the defaults',
    tag: 'fees',
    access: 'admin',
    body: z
      .strictObject({
        channelId: hash32Hex('a channel id').optional(),
        feeBaseMsat: msat.optional(),
        feeProportionalMillionths: z.int().min(0).max(0xffff_ffff).optional(),
        cltvExpiryDelta: z.int().min(1).max(0xffff).optional(),
      })
      .meta({ id: 'FeePolicyUpdate' }),
    response: J.FeesJson,
    errors: ['not_found'],
    handle: async ({ body }, { facade }) => feesToJson(await facade.setFeePolicy(body)),
  }),
];
