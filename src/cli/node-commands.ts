// src/cli/node-commands.ts: the node, its peers, channels and on-chain wallet, from the command line.
import type { Command } from 'commander';
import type { Balance, Channel, ChannelList, Fees, Info, Peer } from './api-types.js';
import { type CliIo, clientAction, EXIT, UsageError } from './client-command.js';
import { follow } from './follow.js';
import { keyValues, liquidityBar, sat, satFromMsat, shortId, table, when } from './format.js';

const NODE_ID = /^(02|03)[0-9a-f]{64}$/i;
const HASH = /^[0-9a-f]{64}$/i;

function nodeIdArg(text: string): string {
  if (!NODE_ID.test(text)) throw new UsageError(`expected a node id (66 hex characters), got "${text}"`);
  return text.toLowerCase();
}

function satArg(text: string, what: string): string {
  if (!/^\d{1,16}$/.test(text))
    throw new UsageError(`${what}: expected a whole number of sat, got "${text}"`);
  return text;
}

function channelRows(channels: readonly Channel[]): string[][] {
  return channels.map((c) => [
    c.peerAlias ?? shortId(c.peerNodeId),
    c.status === 'pending_open' ? `opening ${c.confirmations}/${c.requiredConfirmations}` : c.status,
    sat(c.capacitySat),
    satFromMsat(c.localBalanceMsat),
    liquidityBar(c.localBalanceMsat, c.remoteBalanceMsat),
    satFromMsat(c.remoteBalanceMsat),
    c.shortChannelId ?? '-',
    c.channelId,
  ]);
}

export function registerNodeCommands(program: Command, io: CliIo, setCode: (c: number) => void): void {
  const action = (fn: Parameters<typeof clientAction>[2]) => clientAction(io, setCode, fn);

  program
    .command('getinfo')
    .description('show this node: id, alias, network, block height, sync state, peers and channels')
    .action(
      action(async (ctx) => {
        const i = await ctx.call<Info>('GET', '/v1/info');
        ctx.print(i, () =>
          keyValues([
            ['node id', i.nodeId],
            ['alias', i.alias],
            ['network', i.network],
            ['version', i.version],
            ['addresses', i.addresses.join(', ') || '-'],
            ['block height', `${i.blockHeight}${i.syncedToChain ? '' : ' (syncing)'}`],
            [
              'graph',
              `${i.graphNodeCount} nodes, ${i.graphChannelCount} channels${i.syncedToGraph ? '' : ' (syncing)'}`,
            ],
            ['peers', String(i.numPeers)],
            ['channels', `${i.numActiveChannels} active, ${i.numPendingChannels} pending`],
            ['keysend', i.acceptKeysend ? 'accepted' : 'refused'],
          ]),
        );
        return EXIT.ok;
      }),
    );

  program
    .command('connect')
    .description('connect to a peer')
    .argument('<uri>', 'node_id@host:port')
    .action(
      action(async (ctx, [uri]) => {
        const m = /^([0-9a-fA-F]{66})@(.+)$/.exec(uri!);
        if (m === null) throw new UsageError(`expected node_id@host:port, got "${uri}"`);
        const p = await ctx.call<Peer>('POST', '/v1/peers', { nodeId: m[1]!.toLowerCase(), address: m[2] });
        ctx.print(p, () => `connected to ${p.alias ?? p.nodeId} at ${p.address}`);
        return EXIT.ok;
      }),
    );

  program
    .command('disconnect')
    .description('disconnect a peer')
    .argument('<node_id>')
    .action(
      action(async (ctx, [id]) => {
        const r = await ctx.call('DELETE', `/v1/peers/${nodeIdArg(id!)}`);
        ctx.print(r, () => `disconnected ${id}`);
        return EXIT.ok;
      }),
    );

  program
    .command('peers')
    .description('list connected peers')
    .action(
      action(async (ctx) => {
        const { peers } = await ctx.call<{ peers: Peer[] }>('GET', '/v1/peers');
        ctx.print(peers, () =>
          table(
            ['alias', 'node id', 'address', 'direction', 'since'],
            peers.map((p) => [
              p.alias ?? '',
              p.nodeId,
              p.address,
              p.inbound ? 'inbound' : 'outbound',
              p.connectedAt === null ? '-' : when(p.connectedAt),
            ]),
          ),
        );
        return EXIT.ok;
      }),
    );

  program
    .command('openchannel')
    .description('open a channel with a connected peer and follow its confirmations until it is open')
    .argument('<node_id>')
    .argument('<sats>', 'channel capacity in sat')
    .option('--push-msat <msat>', 'give the peer this much of the channel at once')
    .option('--private', 'do not announce the channel')
    .option('--fee-rate <sat_per_vbyte>', 'funding transaction fee rate')
    .option('--anchors', 'use anchor outputs (option_anchors; the peer must support them)')
    .option(
      '--static-remotekey',
      'use the static_remotekey format (the default unless the node sets channel-type)',
    )
    .option('--no-wait', 'return once the funding transaction is broadcast')
    .action(
      action(async (ctx, [id, sats], opts) => {
        if (opts.anchors === true && opts.staticRemotekey === true)
          throw new UsageError('give --anchors or --static-remotekey, not both');
        const body: Record<string, unknown> = { nodeId: nodeIdArg(id!), amountSat: satArg(sats!, 'sats') };
        if (opts.pushMsat !== undefined) body.pushMsat = String(opts.pushMsat);
        if (opts.private === true) body.private = true;
        if (opts.anchors === true) body.channelType = 'anchors';
        if (opts.staticRemotekey === true) body.channelType = 'static_remotekey';
        if (opts.feeRate !== undefined) body.feeRateSatPerVbyte = Number(opts.feeRate);
        type Opened = { channelId: string; fundingTxid: string; fundingOutputIndex: number };
        if (opts.wait === false) {
          const r = await ctx.call<Opened>('POST', '/v1/channels', body);
          ctx.print(
            r,
            () =>
              `funding transaction ${r.fundingTxid}:${r.fundingOutputIndex} broadcast; channel ${r.channelId}`,
          );
          return EXIT.ok;
        }
        let last = '';
        let final: Channel | undefined;
        const report = (c: Channel, opened: Opened): boolean => {
          if (c.channelId !== opened.channelId) return false;
          const line =
            c.status === 'pending_open'
              ? `waiting for confirmations: ${c.confirmations}/${c.requiredConfirmations}`
              : `channel ${c.status}${c.shortChannelId ? ` (${c.shortChannelId})` : ''}`;
          if (line !== last) ctx.progress(line);
          last = line;
          if (c.status === 'pending_open') return false;
          final = c;
          return true;
        };
        const opened = await follow<Opened>(ctx, {
          types: 'channel_changed',
          start: async () => {
            const r = await ctx.call<Opened>('POST', '/v1/channels', body);
            ctx.progress(`funding transaction ${r.fundingTxid}:${r.fundingOutputIndex} broadcast`);
            return r;
          },
          onEvent: (e, opened) => e.type === 'channel_changed' && report(e.channel, opened),
          poll: async (opened) => {
            const list = await ctx.call<ChannelList>('GET', '/v1/channels?includeClosed=true');
            const c = list.channels.find((x) => x.channelId === opened.channelId);
            return c !== undefined && report(c, opened);
          },
        });
        const c = final as Channel | undefined;
        ctx.print(c ?? opened, () => `channel ${opened.channelId} is ${c?.status ?? 'opening'}`);
        return c?.status === 'open' ? EXIT.ok : EXIT.failed;
      }),
    );

  program
    .command('channels')
    .description('list channels with local/remote balances')
    .option('--all', 'include closed channels')
    .action(
      action(async (ctx, _args, opts) => {
        const list = await ctx.call<ChannelList>(
          'GET',
          `/v1/channels${opts.all === true ? '?includeClosed=true' : ''}`,
        );
        ctx.print(list, () =>
          [
            table(
              ['peer', 'status', 'capacity', 'local', 'liquidity', 'remote', 'scid', 'channel id'],
              channelRows(list.channels),
            ),
            '',
            `total: local ${satFromMsat(list.totals.localBalanceMsat)}, remote ${satFromMsat(list.totals.remoteBalanceMsat)}` +
              (list.totals.pendingOpenSat !== '0' ? `, opening ${sat(list.totals.pendingOpenSat)}` : ''),
          ].join('\n'),
        );
        return EXIT.ok;
      }),
    );

  program
    .command('closechannel')
    .description('close a channel (mutual close unless --force)')
    .argument('<channel_id>')
    .option('--force', 'broadcast our commitment transaction (funds wait for the CSV delay)')
    .option('--fee-rate <sat_per_vbyte>', 'closing transaction fee rate')
    .action(
      action(async (ctx, [id], opts) => {
        if (!HASH.test(id!)) throw new UsageError(`expected a channel id (64 hex characters), got "${id}"`);
        const body: Record<string, unknown> = {};
        if (opts.force === true) body.force = true;
        if (opts.feeRate !== undefined) body.feeRateSatPerVbyte = Number(opts.feeRate);
        const r = await ctx.call<{ closingTxid: string | null }>(
          'POST',
          `/v1/channels/${id!.toLowerCase()}/close`,
          body,
        );
        ctx.print(r, () =>
          r.closingTxid === null
            ? 'closing: negotiating with the peer'
            : `closing transaction ${r.closingTxid}`,
        );
        return EXIT.ok;
      }),
    );

  program
    .command('newaddress')
    .description('a new on-chain receive address')
    .action(
      action(async (ctx) => {
        const r = await ctx.call<{ address: string }>('POST', '/v1/onchain/address', {});
        ctx.print(r, () => r.address);
        return EXIT.ok;
      }),
    );

  program
    .command('balance')
    .description('on-chain and channel balances')
    .action(
      action(async (ctx) => {
        const b = await ctx.call<Balance>('GET', '/v1/balance');
        ctx.print(b, () =>
          keyValues([
            ['on chain', `${sat(b.onchain.totalSat)} (${sat(b.onchain.confirmedSat)} confirmed)`],
            ['in channels', satFromMsat(b.channels.localBalanceMsat)],
            ['can receive', satFromMsat(b.channels.remoteBalanceMsat)],
            ['opening', sat(b.channels.pendingOpenSat)],
          ]),
        );
        return EXIT.ok;
      }),
    );

  program
    .command('sendonchain')
    .description('send on-chain to an address')
    .argument('<address>')
    .argument('<sats>', 'amount in sat, or "all"')
    .option('--fee-rate <sat_per_vbyte>', 'fee rate')
    .action(
      action(async (ctx, [address, sats], opts) => {
        const body: Record<string, unknown> = { address };
        if (sats === 'all') body.sendAll = true;
        else body.amountSat = satArg(sats!, 'sats');
        if (opts.feeRate !== undefined) body.feeRateSatPerVbyte = Number(opts.feeRate);
        const r = await ctx.call<{ txid: string; amountSat: string; feeSat: string }>(
          'POST',
          '/v1/onchain/send',
          body,
        );
        ctx.print(r, () => `sent ${sat(r.amountSat)} (fee ${sat(r.feeSat)}): ${r.txid}`);
        return EXIT.ok;
      }),
    );

  program
    .command('fees')
    .description('show the forwarding fee policy, or change it with --base-msat / --ppm / --cltv-delta')
    .option('--channel <channel_id>', 'change one channel only (default: all channels and the defaults)')
    .option('--base-msat <msat>', 'base fee')
    .option('--ppm <millionths>', 'proportional fee')
    .option('--cltv-delta <blocks>', 'CLTV expiry delta')
    .action(
      action(async (ctx, _args, opts) => {
        const body: Record<string, unknown> = {};
        if (opts.baseMsat !== undefined) body.feeBaseMsat = String(opts.baseMsat);
        if (opts.ppm !== undefined) body.feeProportionalMillionths = Number(opts.ppm);
        if (opts.cltvDelta !== undefined) body.cltvExpiryDelta = Number(opts.cltvDelta);
        if (opts.channel !== undefined) body.channelId = String(opts.channel);
        const f =
          Object.keys(body).length === 0
            ? await ctx.call<Fees>('GET', '/v1/fees')
            : await ctx.call<Fees>('POST', '/v1/fees', body);
        const row = (name: string, p: Fees['defaults']) => [
          name,
          `${p.feeBaseMsat} msat`,
          `${p.feeProportionalMillionths} ppm`,
          String(p.cltvExpiryDelta),
        ];
        ctx.print(f, () =>
          table(
            ['channel', 'base', 'rate', 'cltv delta'],
            [
              row('(defaults)', f.defaults),
              ...f.channels.map((c) => row(c.shortChannelId ?? shortId(c.channelId), c.policy)),
            ],
          ),
        );
        return EXIT.ok;
      }),
    );
}
