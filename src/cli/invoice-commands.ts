// src/cli/invoice-commands.ts: receiving: create BOLT 11 invoices, list invoices (keysend ones with
// their messages and senders), look one up.
import type { Command } from 'commander';
import type { CreatedInvoice, Invoice, InvoiceList } from './api-types.js';
import { type CliIo, clientAction, EXIT, UsageError } from './client-command.js';
import { keyValues, parseSatToMsat, satFromMsat, shortId, table, when } from './format.js';

/** "alice ✓", "02ab…cd (unverified)", or "anonymous". */
export function senderText(inv: Invoice): string {
  const a = inv.app;
  if (a?.senderNodeId === undefined) return inv.keysend ? 'anonymous' : '';
  return a.senderVerified ? `${shortId(a.senderNodeId)} ✓` : `${shortId(a.senderNodeId)} (unverified)`;
}

/** The message of a keysend (or the boost's), or the memo of an invoice. */
export function invoiceText(inv: Invoice): string {
  const boost = inv.app?.boost as { message?: unknown } | undefined;
  return inv.app?.message ?? (typeof boost?.message === 'string' ? boost.message : undefined) ?? inv.memo;
}

export function registerInvoiceCommands(program: Command, io: CliIo, setCode: (c: number) => void): void {
  const action = (fn: Parameters<typeof clientAction>[2]) => clientAction(io, setCode, fn);

  program
    .command('invoice')
    .description('create a BOLT 11 invoice')
    .argument('<sats>', 'amount in sat (up to 3 decimals), or "any"')
    .option('--description <text>', 'what the payment is for', '')
    .option('--expiry <seconds>', 'how long the invoice is valid', '3600')
    .action(
      action(async (ctx, [sats], opts) => {
        const body: Record<string, unknown> = { description: String(opts.description) };
        if (sats !== 'any') {
          const msat = parseSatToMsat(sats!);
          if (msat === undefined) throw new UsageError(`expected an amount in sat or "any", got "${sats}"`);
          body.amountMsat = msat.toString();
        }
        if (!/^\d{1,9}$/.test(String(opts.expiry))) throw new UsageError('--expiry: expected seconds');
        body.expirySeconds = Number(opts.expiry);
        const r = await ctx.call<CreatedInvoice>('POST', '/v1/invoices', body);
        ctx.print(r, () => `${r.bolt11}\npayment hash ${r.paymentHash}`);
        return EXIT.ok;
      }),
    );

  program
    .command('invoices')
    .description('list invoices, newest first; keysend payments received appear as settled keysend invoices')
    .option('--keysend', 'only keysend (spontaneous) payments received')
    .option('--state <state>', 'open, settled, canceled, expired')
    .option('--limit <n>', 'how many', '50')
    .action(
      action(async (ctx, _args, opts) => {
        if (!/^\d{1,4}$/.test(String(opts.limit))) throw new UsageError('--limit: expected a number');
        const q = new URLSearchParams({ reversed: 'true', limit: String(opts.limit) });
        if (opts.keysend === true) q.set('keysendOnly', 'true');
        if (opts.state !== undefined) q.set('state', String(opts.state));
        const page = await ctx.call<InvoiceList>('GET', `/v1/invoices?${q}`);
        ctx.print(page, () =>
          table(
            ['time', 'state', 'amount', 'type', 'from', 'message', 'payment hash'],
            page.invoices.map((i) => [
              when(i.settledAt ?? i.createdAt),
              i.state,
              satFromMsat(i.state === 'settled' ? i.amountReceivedMsat : (i.amountMsat ?? '0')),
              i.keysend ? 'keysend' : 'bolt11',
              senderText(i),
              invoiceText(i).replace(/\s+/g, ' ').slice(0, 60),
              i.paymentHash,
            ]),
          ),
        );
        return EXIT.ok;
      }),
    );

  program
    .command('lookupinvoice')
    .description('show one invoice with its records')
    .argument('<payment_hash>')
    .action(
      action(async (ctx, [hash]) => {
        if (!/^[0-9a-f]{64}$/i.test(hash!))
          throw new UsageError(`expected a payment hash (64 hex characters), got "${hash}"`);
        const i = await ctx.call<Invoice>('GET', `/v1/invoices/${hash!.toLowerCase()}`);
        ctx.print(i, () =>
          keyValues([
            ['payment hash', i.paymentHash],
            ['state', i.state],
            ['type', i.keysend ? 'keysend' : 'bolt11'],
            ['amount', i.amountMsat === null ? 'any' : satFromMsat(i.amountMsat)],
            ['received', satFromMsat(i.amountReceivedMsat)],
            ['message', invoiceText(i) || '-'],
            ['from', senderText(i) || '-'],
            ...(i.app?.boost !== undefined ? [['boost', JSON.stringify(i.app.boost)] as const] : []),
            ...Object.entries(i.records).map(([t, v]) => [`record ${t}`, v || '(empty)'] as const),
            ['bolt11', i.bolt11 ?? '-'],
            ['created', when(i.createdAt)],
          ]),
        );
        return EXIT.ok;
      }),
    );
}
