// src/cli/demo.ts: `ksnode demo` (what `npm start` runs): a devnet and a small network of ksnode
// processes on this machine, keysend payments from alice to carol with a signed chat message, a
// podcast boost and nothing at all, carol's ad-hoc invoices with their decoded records, then the
// dashboards, running until Ctrl-C. With --once: the payments and the summary, then a clean exit
// (0 only if every payment arrived with its records) — the smoke test CI and newcomers can run.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type EventStream, openEventStream } from './api-client.js';
import type { ApiEvent, Channel, Invoice } from './api-types.js';
import { DemoNetwork, setUpNetwork } from './demo-network.js';
import { type PaymentOutcome, sendDemoPayment } from './demo-payments.js';
import { DEMO_PAYER, DEMO_PAYMENTS, DEMO_RECIPIENT, demoNetworkPlan } from './demo-plan.js';
import { dashboardBlock, invoiceBlock, outcomeLine, summaryTable } from './demo-report.js';
import { DemoWaitError } from './demo-wait.js';
import { describeEvent } from './subscribe-command.js';

export interface DemoOptions {
  /** Run the payments, print the summary and exit instead of staying up. */
  once: boolean;
  /** How many nodes (3 to 8): alice, bob, carol, then side paths alice → X → carol. */
  nodes: number;
  /** Keep the data directories and logs after a successful run. */
  keep: boolean;
}

export interface DemoIo {
  out(text: string): void;
  err(text: string): void;
}

const PAYMENT_TIMEOUT_MS = 60_000;
/** The nodes' settings: fast chain polling and gossip relay, so a local network settles in seconds. */
const NODE_FLAGS = {
  'chain-poll-ms': '200',
  'gossip-flush-ms': '200',
  'min-depth': '3',
  'log-level': 'info',
};

/**
 * Ctrl-C once: stop cleanly. Again, later: kill at once. Signals within a second of the first count
 * as the same one: under `npm start` a Ctrl-C arrives twice, from the terminal and forwarded by npm.
 */
class Interrupts {
  readonly controller = new AbortController();
  private firstAt: number | undefined;
  private onHard: (() => void) | undefined;
  private readonly handler = (signal: NodeJS.Signals) => {
    const now = performance.now();
    if (this.firstAt === undefined) {
      this.firstAt = now;
      this.io.err(`\n${signal}: stopping everything (Ctrl-C again to kill at once)\n`);
      this.controller.abort();
    } else if (now - this.firstAt > 1_000) this.onHard?.();
  };

  constructor(private readonly io: DemoIo) {
    process.on('SIGINT', this.handler);
    process.on('SIGTERM', this.handler);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Resolves at the first interrupt. */
  get interrupted(): Promise<void> {
    return new Promise((resolve) => {
      if (this.signal.aborted) resolve();
      else this.signal.addEventListener('abort', () => resolve(), { once: true });
    });
  }

  onSecond(f: () => void): void {
    this.onHard = f;
  }

  dispose(): void {
    process.off('SIGINT', this.handler);
    process.off('SIGTERM', this.handler);
  }
}

function elapsed(t0: number): string {
  return `[${((performance.now() - t0) / 1000).toFixed(1).padStart(5)}s]`;
}

/** Runs the demo; resolves with the exit code once everything it started has stopped. */
export async function runDemo(o: DemoOptions, io: DemoIo): Promise<number> {
  const plan = demoNetworkPlan(o.nodes);
  const root = mkdtempSync(join(tmpdir(), 'ksnode-demo-'));
  const t0 = performance.now();
  const step = (line: string) => io.out(`${elapsed(t0)} ${line}\n`);
  const interrupts = new Interrupts(io);
  let net: DemoNetwork | undefined;
  let failed = false;
  const streams: EventStream[] = [];
  try {
    step(`starting a devnet and ${plan.nodes.length} ksnode processes (${plan.nodes.join(', ')}) in ${root}`);
    net = await DemoNetwork.start({ root, nodeFlags: NODE_FLAGS, signal: interrupts.signal });
    const network = net;
    interrupts.onSecond(() => {
      io.err('killing every node now\n');
      void network.kill();
    });
    step(`devnet chain (regtest) serving its Esplora API at ${net.chainUrl}`);
    await setUpNetwork(net, plan, DEMO_RECIPIENT, step);

    const payer = net.node(DEMO_PAYER);
    const recipient = net.node(DEMO_RECIPIENT);
    const nameOf = (id: string) => network.nameOf(id);
    io.out(`\nSending ${DEMO_PAYMENTS.length} keysend payments from ${payer.name} to ${recipient.name}:\n`);
    const outcomes: PaymentOutcome[] = [];
    const { channels } = await payer.call<{ channels: Channel[] }>('GET', '/v1/channels');
    for (const spec of DEMO_PAYMENTS) {
      if (interrupts.signal.aborted)
        throw new DemoWaitError('interrupted before every payment was sent', true);
      // A side path is taken on purpose (the router prefers bob's); without it, any route will do.
      const via = spec.firstHop === undefined ? undefined : net.nodes.get(spec.firstHop);
      const scid = channels.find((c) => c.peerNodeId === via?.nodeId && c.status === 'open')?.shortChannelId;
      const outcome = await sendDemoPayment(payer, recipient, spec, {
        timeoutMs: PAYMENT_TIMEOUT_MS,
        signal: interrupts.signal,
        ...(via !== undefined && scid != null
          ? { firstHop: { shortChannelId: scid, nodeId: via.nodeId } }
          : {}),
      });
      outcomes.push(outcome);
      step(outcomeLine(outcome, payer.name, nameOf));
    }

    const hashes = new Set(outcomes.flatMap((x) => (x.payment === undefined ? [] : [x.payment.paymentHash])));
    const listed = await recipient.call<{ invoices: Invoice[] }>('GET', '/v1/invoices?keysendOnly=true');
    const ours = listed.invoices.filter((i) => hashes.has(i.paymentHash));
    io.out(`\n${recipient.name}'s ad-hoc keysend invoices (created as the payments arrived):\n`);
    for (const inv of ours) io.out(`${invoiceBlock(inv, nameOf)}\n\n`);
    if (ours.length === 0) io.out('(none)\n\n');

    const arrived = outcomes.filter((x) => x.problems.length === 0).length;
    io.out(`Summary:\n${summaryTable(outcomes, payer.name, nameOf)}\n`);
    io.out(`${arrived} of ${outcomes.length} payments arrived with their records\n`);
    failed = arrived !== outcomes.length;
    for (const x of outcomes) for (const p of x.problems) io.err(`  ${x.spec.label}: ${p}\n`);

    if (!o.once && !interrupts.signal.aborted) {
      io.out(`\nDashboards (open in a browser; each node's API serves its own):\n`);
      io.out(
        `${dashboardBlock([...net.nodes.values()].map((n) => ({ name: n.name, apiUrl: n.apiUrl, adminToken: n.adminToken, dataDir: n.dataDir, logFile: n.logFile })))}\n`,
      );
      io.out(
        `  node bin/ksnode.mjs --api ${payer.apiUrl} --data-dir ${payer.dataDir} keysend ${recipient.nodeId} 100 --message "hello again" --sign\n`,
      );
      io.out(
        '\nThe network keeps running; payments received from now on are shown below. Ctrl-C stops everything.\n',
      );
      for (const n of net.nodes.values()) {
        const s = openEventStream(n.client, '?types=invoice_settled', (m) => {
          try {
            io.out(`${elapsed(t0)} [${n.name}] ${describeEvent(JSON.parse(m.data) as ApiEvent)}\n`);
          } catch {
            // not an event we can read: nothing to show
          }
        });
        streams.push(s);
      }
      // Until Ctrl-C, or until a node dies on its own (then the demo is over: say so and clean up).
      const died = await Promise.race([
        interrupts.interrupted.then(() => undefined),
        ...[...net.nodes.values()].map((n) => n.exited.then((code) => ({ node: n, code }))),
      ]);
      if (died !== undefined) {
        failed = true;
        io.err(
          `${elapsed(t0)} ${died.node.name} exited on its own (code ${died.code}); see ${died.node.logFile}\n${died.node.tail(10)}\n`,
        );
      }
    }
  } catch (e) {
    const interrupted = interrupts.signal.aborted || (e instanceof DemoWaitError && e.cancelled);
    if (interrupted) {
      io.err(`${elapsed(t0)} interrupted before the demo finished\n`);
      // Ctrl-C during setup is the user's choice; with --once it means the smoke test did not pass.
      failed = o.once;
    } else {
      failed = true;
      io.err(`${elapsed(t0)} the demo failed: ${(e as Error).message}\n`);
    }
  } finally {
    for (const s of streams) s.close();
    if (net !== undefined) {
      step(`stopping ${net.nodes.size} nodes and the devnet`);
      const outcomes = await net.stop();
      const which = (r: string) => [...outcomes].filter(([, x]) => x === r).map(([n]) => n);
      const [killed, gone] = [which('killed'), which('not_running')];
      const notes = [
        ...(killed.length > 0
          ? [`${killed.join(', ')} did not stop within the grace period and were killed`]
          : []),
        ...(gone.length > 0 ? [`${gone.join(', ')} had already exited`] : []),
      ];
      step(notes.length === 0 ? 'every node stopped cleanly' : `stopped; ${notes.join('; ')}`);
    }
    interrupts.dispose();
    if (failed || o.keep) io.err(`data directories and node logs kept in ${root}\n`);
    else rmSync(root, { recursive: true, force: true });
  }
  return failed ? 1 : 0;
}
