// src/cli/demo-report.ts: the demo's human output: one line per payment, the recipient's ad-hoc
// invoices with their decoded records, the summary table and the dashboard addresses. Pure: text in,
// text out.
import { PODCAST_RECORD_TYPE, WHATSAT } from '../onion/index.js';
import type { Invoice } from './api-types.js';
import type { PaymentOutcome } from './demo-payments.js';
import { satFromMsat, shortId, table } from './format.js';

/** Names a node id (an alias we know, or a short id). */
export type NameOf = (nodeId: string) => string;

const RECORD_NAMES: ReadonlyMap<string, string> = new Map([
  [WHATSAT.message.toString(), 'chat message'],
  [WHATSAT.senderNodeId.toString(), 'sender node id'],
  [WHATSAT.signature.toString(), 'sender signature'],
  [WHATSAT.timestamp.toString(), 'send time'],
  [PODCAST_RECORD_TYPE.toString(), 'bLIP 10 podcast JSON'],
]);

function routeText(o: PaymentOutcome, payer: string, nameOf: NameOf): string {
  return o.routeNodeIds.length === 0 ? '-' : [payer, ...o.routeNodeIds.map(nameOf)].join(' → ');
}

/** One progress line for a payment just finished. */
export function outcomeLine(o: PaymentOutcome, payer: string, nameOf: NameOf): string {
  const ok = o.problems.length === 0;
  const amount = satFromMsat(o.spec.amountMsat.toString());
  const head = `${ok ? '✔' : '✘'} ${o.spec.label}: ${amount}`;
  if (o.payment === undefined || o.payment.status !== 'succeeded')
    return `${head} did not arrive: ${o.problems.join('; ')}`;
  const fee = satFromMsat(o.payment.feeMsat);
  const tail = `via ${routeText(o, payer, nameOf)}, fee ${fee}, ${o.latencyMs.toFixed(0)} ms`;
  return ok ? `${head} ${tail}` : `${head} ${tail}; but ${o.problems.join('; ')}`;
}

function boostLines(boost: Record<string, unknown>): string[] {
  const s = (k: string) =>
    typeof boost[k] === 'string' || typeof boost[k] === 'number' ? String(boost[k]) : undefined;
  const lines: string[] = [];
  const what = [
    s('action') ?? 'boost',
    s('podcast') && `of "${s('podcast')}"`,
    s('episode') && `episode "${s('episode')}"`,
  ]
    .filter(Boolean)
    .join(' ');
  lines.push(what);
  const total = s('value_msat_total');
  const from = [s('sender_name') && `from ${s('sender_name')}`, s('app_name') && `with ${s('app_name')}`]
    .filter(Boolean)
    .join(' ');
  if (total !== undefined || from !== '')
    lines.push([total !== undefined ? `${satFromMsat(total)} total` : '', from].filter(Boolean).join(', '));
  if (s('ts') !== undefined) lines.push(`at ${s('ts')} s into the episode`);
  if (s('message') !== undefined) lines.push(`"${s('message')}"`);
  return lines;
}

/** Carol's view of one ad-hoc keysend invoice, its records decoded. */
export function invoiceBlock(inv: Invoice, nameOf: NameOf): string {
  const lines = [
    `invoice ${shortId(inv.paymentHash)}  ${inv.state}  ${satFromMsat(inv.amountReceivedMsat)}  ${inv.keysend ? 'keysend (ad hoc)' : 'BOLT 11'}`,
  ];
  const field = (k: string, v: string) => lines.push(`  ${k.padEnd(9)} ${v}`);
  const app = inv.app;
  if (app?.message !== undefined) field('message:', `"${app.message}"`);
  if (app?.senderNodeId !== undefined) {
    const verdict = app.senderVerified
      ? 'signature verified'
      : `NOT verified${app.senderUnverifiedReason ? ` (${app.senderUnverifiedReason})` : ''}`;
    field('sender:', `${nameOf(app.senderNodeId)} (${shortId(app.senderNodeId)}), ${verdict}`);
  } else if (app?.message !== undefined) field('sender:', 'anonymous (no signature sent)');
  if (app?.boost !== undefined) {
    const [first, ...rest] = boostLines(app.boost);
    field('boost:', first ?? '');
    for (const l of rest) lines.push(`  ${''.padEnd(9)} ${l}`);
  }
  const types = Object.keys(inv.records).sort((a, b) => Number(BigInt(a) - BigInt(b)));
  field(
    'records:',
    types.length === 0
      ? 'none (a plain keysend)'
      : types.map((t) => `${t} (${RECORD_NAMES.get(t) ?? 'custom'})`).join(', '),
  );
  return lines.join('\n');
}

/** The summary table: one row per payment. */
export function summaryTable(outcomes: readonly PaymentOutcome[], payer: string, nameOf: NameOf): string {
  const rows = outcomes.map((o) => {
    const app = o.invoice?.app;
    const sender =
      app?.senderNodeId === undefined
        ? '-'
        : app.senderVerified
          ? `${nameOf(app.senderNodeId)} ✔`
          : 'unverified';
    return [
      o.spec.label,
      satFromMsat(o.spec.amountMsat.toString()),
      o.payment?.status === 'succeeded' ? satFromMsat(o.payment.feeMsat) : '-',
      routeText(o, payer, nameOf),
      `${o.latencyMs.toFixed(0)} ms`,
      o.problems.length === 0 ? 'yes' : 'NO',
      o.invoice === undefined ? '-' : String(Object.keys(o.invoice.records).length),
      sender,
    ];
  });
  return table(['payment', 'amount', 'fee', 'route', 'time', 'arrived', 'records', 'sender'], rows);
}

/** What a node's dashboard needs: where it is and the token to log in with. */
export interface DashboardEntry {
  name: string;
  apiUrl: string;
  adminToken: string;
  dataDir: string;
  logFile: string;
}

/** The dashboards and how to drive each node from the command line. */
export function dashboardBlock(entries: readonly DashboardEntry[]): string {
  const rows = entries.map((e) => [e.name, `${e.apiUrl}/`, e.adminToken]);
  const first = entries[0];
  const lines = [table(['node', 'dashboard', 'admin token (paste it to log in)'], rows)];
  if (first !== undefined) {
    lines.push(
      '',
      'The command line works too, e.g.:',
      `  node bin/ksnode.mjs --api ${first.apiUrl} --data-dir ${first.dataDir} getinfo`,
      `Logs: ${entries.map((e) => e.logFile).join(', ')}`,
    );
  }
  return lines.join('\n');
}
