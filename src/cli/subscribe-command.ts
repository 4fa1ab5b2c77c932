// src/cli/subscribe-command.ts: `ksnode subscribe` prints the node's events as they happen, one line
// each (or one JSON object per line with --json), until Ctrl-C.
import type { Command } from 'commander';
import { openEventStream } from './api-client.js';
import type { ApiEvent } from './api-types.js';
import { type CliIo, clientAction, EXIT, UsageError } from './client-command.js';
import { satFromMsat, shortId } from './format.js';
import { invoiceText, senderText } from './invoice-commands.js';

const TYPES = [
  'invoice_settled',
  'payment_updated',
  'channel_changed',
  'peer_changed',
  'htlc_forwarded',
  'sync_progress',
];

/** One line about an event, for people. */
export function describeEvent(e: ApiEvent): string {
  switch (e.type) {
    case 'invoice_settled': {
      const i = e.invoice;
      const text = invoiceText(i);
      const from = senderText(i);
      return `received ${satFromMsat(i.amountReceivedMsat)}${i.keysend ? ' (keysend)' : ''}${from ? ` from ${from}` : ''}${text ? `: ${JSON.stringify(text)}` : ''}`;
    }
    case 'payment_updated': {
      const p = e.payment;
      const to = p.destinationAlias ?? shortId(p.destination);
      const n = p.attempts?.length ?? 0;
      return `payment ${shortId(p.paymentHash)} of ${satFromMsat(p.amountMsat)} to ${to}: ${p.status}${n > 0 ? `, ${n} attempt${n > 1 ? 's' : ''}` : ''}${p.failureReason ? ` (${p.failureReason})` : ''}`;
    }
    case 'channel_changed': {
      const c = e.channel;
      const conf =
        c.status === 'pending_open' ? ` ${c.confirmations}/${c.requiredConfirmations} confirmations` : '';
      return `channel with ${c.peerAlias ?? shortId(c.peerNodeId)}: ${c.status}${conf}, local ${satFromMsat(c.localBalanceMsat)}, remote ${satFromMsat(c.remoteBalanceMsat)}`;
    }
    case 'peer_changed':
      return `peer ${e.peer.alias ?? shortId(e.peer.nodeId)} ${e.change} (${e.peer.address})`;
    case 'htlc_forwarded':
      return `forwarded ${satFromMsat(e.forward.outgoingAmountMsat)} (fee ${satFromMsat(e.forward.feeMsat)}): ${e.forward.status}`;
    case 'sync_progress':
      return `sync: block ${e.blockHeight}${e.syncedToChain ? '' : ' (syncing)'}, graph ${e.graphNodeCount} nodes / ${e.graphChannelCount} channels${e.syncedToGraph ? '' : ' (syncing)'}`;
  }
}

export function registerSubscribeCommand(program: Command, io: CliIo, setCode: (c: number) => void): void {
  program
    .command('subscribe')
    .description('print events as they happen: payments received and sent, channels, peers, forwards')
    .option('--types <list>', `comma-separated, from: ${TYPES.join(', ')}`)
    .option('--count <n>', 'exit after this many events')
    .action(
      clientAction(io, setCode, async (ctx, _args, opts) => {
        const types = opts.types === undefined ? [] : String(opts.types).split(',');
        for (const t of types)
          if (!TYPES.includes(t)) throw new UsageError(`--types: unknown event type "${t}"`);
        const count = opts.count === undefined ? Number.POSITIVE_INFINITY : Number(opts.count);
        if (!(count > 0)) throw new UsageError('--count: expected a positive number');
        let seen = 0;
        const stream = openEventStream(
          ctx.config,
          types.length > 0 ? `?types=${types.join(',')}` : '',
          (m) => {
            if (seen >= count) return;
            seen += 1;
            let e: ApiEvent;
            try {
              e = JSON.parse(m.data) as ApiEvent;
            } catch {
              return;
            }
            io.out(
              ctx.json
                ? `${JSON.stringify(e)}\n`
                : `${new Date().toISOString().slice(11, 19)} ${describeEvent(e)}\n`,
            );
            if (seen >= count) stream.close();
          },
        );
        await stream.ready;
        ctx.progress(`following events from ${ctx.config.apiUrl} (Ctrl-C to stop)`);
        let interrupted = false;
        const stop = () => {
          interrupted = true;
          stream.close();
        };
        process.once('SIGINT', stop);
        try {
          await stream.done;
        } finally {
          process.off('SIGINT', stop);
        }
        if (seen >= count || interrupted) return EXIT.ok;
        ctx.progress('the daemon closed the event stream');
        return EXIT.unreachable;
      }),
    );
}
