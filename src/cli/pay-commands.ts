// src/cli/pay-commands.ts: keysend and BOLT 11 payments with live progress, the payment history,
// and route queries.
import type { Command } from 'commander';
import type { Attempt, Payment, Route } from './api-types.js';
import { type ClientContext, type CliIo, clientAction, EXIT, UsageError } from './client-command.js';
import { follow } from './follow.js';
import { keyValues, parseSatToMsat, satFromMsat, shortId, table, when } from './format.js';

const NODE_ID = /^(02|03)[0-9a-f]{64}$/i;

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function msatArg(text: string, what: string): string {
  const msat = parseSatToMsat(text);
  if (msat === undefined)
    throw new UsageError(`${what}: expected an amount in sat (up to 3 decimals), got "${text}"`);
  return msat.toString();
}

function intArg(text: unknown, what: string): number {
  if (typeof text !== 'string' || !/^\d{1,9}$/.test(text))
    throw new UsageError(`${what}: expected a whole number, got "${text}"`);
  return Number(text);
}

function jsonArg(text: unknown, what: string): unknown {
  try {
    return JSON.parse(String(text));
  } catch {
    throw new UsageError(`${what}: not valid JSON`);
  }
}

/** `--record 696969=00ff` (repeatable) -> { "696969": "00ff" }. */
function recordsArg(list: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const r of list) {
    const m = /^(\d{1,20})=((?:[0-9a-fA-F]{2})*)$/.exec(r);
    if (m === null) throw new UsageError(`--record: expected type=hex (e.g. 696969=00ff), got "${r}"`);
    if (m[1]! in out) throw new UsageError(`--record: type ${m[1]} given twice`);
    out[m[1]!] = m[2]!.toLowerCase();
  }
  return out;
}

function routeText(r: Route): string {
  return r.hops.map((h) => shortId(h.nodeId)).join(' -> ');
}

function attemptText(a: Attempt): string {
  const head = `attempt ${a.attemptNumber} via ${routeText(a.route)} (fee ${satFromMsat(a.route.totalFeeMsat)})`;
  if (a.status === 'in_flight') return `${head}: in flight`;
  if (a.status === 'succeeded') return `${head}: succeeded`;
  return `${head}: failed at hop ${a.failingHop ?? '?'}: ${a.failureName ?? a.failureReason ?? 'unknown failure'}`;
}

function resultText(p: Payment): string {
  const to = p.destinationAlias ?? shortId(p.destination);
  if (p.status === 'succeeded') {
    return `paid ${satFromMsat(p.amountMsat)} to ${to}, fee ${satFromMsat(p.feeMsat)}\npayment hash ${p.paymentHash}\npreimage     ${p.preimage}`;
  }
  if (p.status === 'failed') return `payment to ${to} failed: ${p.failureReason ?? 'unknown reason'}`;
  return `payment ${p.paymentHash} to ${to} is in flight`;
}

/**
 * Sends (keysend or pay) with wait:false, prints each attempt as the events report it, and ends
 * with the final payment: exit 0 if it succeeded, 1 if it failed.
 */
async function sendWithProgress(
  ctx: ClientContext,
  path: string,
  body: Record<string, unknown>,
  wait: boolean,
) {
  if (!wait) {
    const p = await ctx.call<Payment>('POST', path, { ...body, wait: false });
    ctx.print(p, () => resultText(p));
    return EXIT.ok;
  }
  const printed = new Set<string>();
  let final: Payment | undefined;
  const report = (p: Payment, started: Payment): boolean => {
    if (p.paymentHash !== started.paymentHash) return false;
    for (const a of p.attempts ?? []) {
      const key = `${a.attemptNumber}:${a.status}`;
      if (!printed.has(key)) ctx.progress(attemptText(a));
      printed.add(key);
    }
    if (p.status === 'in_flight') return false;
    final = p;
    return true;
  };
  const started = await follow<Payment>(ctx, {
    types: 'payment_updated',
    start: async () => {
      const p = await ctx.call<Payment>('POST', path, { ...body, wait: false });
      ctx.progress(
        `sending ${satFromMsat(p.amountMsat)} to ${p.destinationAlias ?? shortId(p.destination)}: ${p.paymentHash}`,
      );
      return p;
    },
    finishedAtStart: (s) => report(s, s),
    onEvent: (e, s) => e.type === 'payment_updated' && report(e.payment, s),
    poll: async (s) => report(await ctx.call<Payment>('GET', `/v1/payments/${s.paymentHash}`), s),
  });
  // An idempotent replay may come back already final, with no events to follow.
  const p = (final as Payment | undefined) ?? started;
  ctx.print(p, () => resultText(p));
  return p.status === 'succeeded' ? EXIT.ok : EXIT.failed;
}

function limitOptions(opts: Record<string, unknown>): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (opts.maxFee !== undefined) body.maxFeeMsat = msatArg(String(opts.maxFee), '--max-fee');
  if (opts.maxFeePpm !== undefined) body.maxFeePpm = intArg(opts.maxFeePpm, '--max-fee-ppm');
  if (opts.timeout !== undefined) body.timeoutSeconds = intArg(opts.timeout, '--timeout');
  if (opts.maxCltv !== undefined) body.maxCltv = intArg(opts.maxCltv, '--max-cltv');
  if (opts.outgoingChannel !== undefined) body.outgoingChannel = String(opts.outgoingChannel);
  if (opts.idempotencyKey !== undefined) body.idempotencyKey = String(opts.idempotencyKey);
  return body;
}

function addLimitOptions(c: Command): Command {
  return c
    .option('--max-fee <sats>', 'most fees to pay, in sat (decimals for msat)')
    .option('--max-fee-ppm <ppm>', 'most fees to pay, parts per million of the amount')
    .option('--timeout <seconds>', 'stop trying after this long')
    .option('--max-cltv <blocks>', 'longest total CLTV delta to accept')
    .option('--outgoing-channel <scid>', 'leave through this channel of ours (BxTxO)')
    .option('--idempotency-key <key>', 'run this command again with the same key: the payment is made once')
    .option('--no-wait', 'return as soon as the payment is in flight');
}

export function registerPayCommands(program: Command, io: CliIo, setCode: (c: number) => void): void {
  const action = (fn: Parameters<typeof clientAction>[2]) => clientAction(io, setCode, fn);

  addLimitOptions(
    program
      .command('keysend')
      .description('send a spontaneous payment (keysend), optionally with a message, records and a boost')
      .argument('<node_id>', 'destination')
      .argument('<sats>', 'amount in sat (up to 3 decimals for msat)')
      .option('--message <text>', 'a chat message (Whatsat record 34349334)')
      .option('--sign', 'sign the message with this node key so the recipient sees who paid')
      .option('--record <type=hex>', 'a custom record, type >= 65536 (repeatable)', collect)
      .option('--boost <json>', 'a bLIP 10 boost JSON object (record 7629169)')
      .option('--route-hints <json>', 'private route hints: [[{nodeId, shortChannelId, feeBaseMsat, ...}]]')
      .option('--allow-without-feature', 'send even if the destination does not advertise keysend'),
  ).action(
    action(async (ctx, [dest, sats], opts) => {
      if (!NODE_ID.test(dest!)) throw new UsageError(`expected a node id (66 hex characters), got "${dest}"`);
      const body: Record<string, unknown> = {
        destination: dest!.toLowerCase(),
        amountMsat: msatArg(sats!, 'sats'),
        ...limitOptions(opts),
      };
      if (opts.message !== undefined) body.message = String(opts.message);
      if (opts.sign === true) {
        if (opts.message === undefined) throw new UsageError('--sign needs --message');
        body.signSender = true;
      }
      if (Array.isArray(opts.record)) body.records = recordsArg(opts.record as string[]);
      if (opts.boost !== undefined) {
        const boost = jsonArg(opts.boost, '--boost');
        if (typeof boost !== 'object' || boost === null || Array.isArray(boost)) {
          throw new UsageError('--boost: expected a JSON object');
        }
        body.boost = boost;
      }
      if (opts.routeHints !== undefined) body.routeHints = jsonArg(opts.routeHints, '--route-hints');
      if (opts.allowWithoutFeature === true) body.allowWithoutFeature = true;
      return sendWithProgress(ctx, '/v1/keysend', body, opts.wait !== false);
    }),
  );

  addLimitOptions(
    program
      .command('pay')
      .description('pay a BOLT 11 invoice')
      .argument('<invoice>', 'lnbc...')
      .option('--amount <sats>', 'for an invoice without an amount'),
  ).action(
    action(async (ctx, [invoice], opts) => {
      const body: Record<string, unknown> = { invoice, ...limitOptions(opts) };
      if (opts.amount !== undefined) body.amountMsat = msatArg(String(opts.amount), '--amount');
      return sendWithProgress(ctx, '/v1/pay', body, opts.wait !== false);
    }),
  );

  program
    .command('payments')
    .description('list outgoing payments, or show one with its attempts and routes')
    .argument('[payment_hash]')
    .option('--status <status>', 'in_flight, succeeded or failed')
    .option('--limit <n>', 'how many (newest first)', '50')
    .action(
      action(async (ctx, [hash], opts) => {
        if (hash !== undefined) {
          if (!/^[0-9a-f]{64}$/i.test(hash))
            throw new UsageError(`expected a payment hash (64 hex characters), got "${hash}"`);
          const p = await ctx.call<Payment>('GET', `/v1/payments/${hash.toLowerCase()}`);
          ctx.print(p, () =>
            [
              keyValues([
                ['payment hash', p.paymentHash],
                ['kind', p.kind],
                ['destination', `${p.destinationAlias ?? ''} ${p.destination}`.trim()],
                ['amount', satFromMsat(p.amountMsat)],
                ['fee', satFromMsat(p.feeMsat)],
                ['status', p.status + (p.failureReason ? ` (${p.failureReason})` : '')],
                ['preimage', p.preimage ?? '-'],
                ['message', p.message ?? '-'],
                ['created', when(p.createdAt)],
              ]),
              '',
              ...(p.attempts ?? []).map(attemptText),
            ].join('\n'),
          );
          return EXIT.ok;
        }
        const q = new URLSearchParams({ reversed: 'true', limit: String(intArg(opts.limit, '--limit')) });
        if (opts.status !== undefined) q.set('status', String(opts.status));
        const { payments } = await ctx.call<{ payments: Payment[] }>('GET', `/v1/payments?${q}`);
        ctx.print(payments, () =>
          table(
            ['time', 'status', 'amount', 'fee', 'to', 'message', 'payment hash'],
            payments.map((p) => [
              when(p.createdAt),
              p.status,
              satFromMsat(p.amountMsat),
              satFromMsat(p.feeMsat),
              p.destinationAlias ?? shortId(p.destination),
              p.message ?? '',
              p.paymentHash,
            ]),
          ),
        );
        return EXIT.ok;
      }),
    );

  program
    .command('route')
    .description('the route a payment to a node would take now')
    .argument('<node_id>')
    .argument('<sats>')
    .option('--max-fee <sats>', 'most fees to pay')
    .action(
      action(async (ctx, [dest, sats], opts) => {
        if (!NODE_ID.test(dest!))
          throw new UsageError(`expected a node id (66 hex characters), got "${dest}"`);
        const q = new URLSearchParams({
          destination: dest!.toLowerCase(),
          amountMsat: msatArg(sats!, 'sats'),
        });
        if (opts.maxFee !== undefined) q.set('maxFeeMsat', msatArg(String(opts.maxFee), '--max-fee'));
        const r = await ctx.call<Route>('GET', `/v1/graph/route?${q}`);
        ctx.print(r, () =>
          [
            table(
              ['hop', 'node', 'channel', 'forwards', 'fee', 'cltv'],
              r.hops.map((h, i) => [
                String(i + 1),
                h.nodeId,
                h.shortChannelId,
                satFromMsat(h.amtToForwardMsat),
                satFromMsat(h.feeMsat),
                String(h.outgoingCltvValue),
              ]),
            ),
            '',
            `total ${satFromMsat(r.totalAmountMsat)} (fee ${satFromMsat(r.totalFeeMsat)}), CLTV delta ${r.totalCltvDelta}, success estimate ${(r.successProbability * 100).toFixed(0)}%`,
          ].join('\n'),
        );
        return EXIT.ok;
      }),
    );
}
