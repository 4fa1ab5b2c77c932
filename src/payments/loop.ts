// src/payments/loop.ts: the payment loop. A payment is stored with its plan; each try is an attempt
// stored in flight BEFORE its HTLC is sent (ledger.ts holds every write). Outcomes come back
// through onHtlcResolved, also after a restart; a failure teaches this payment's routing and the
// scorer, and the loop retries on another route until success, a permanent failure, no route, too
// many attempts or the deadline. One task at a time per payment; HTLCs are sent outside that lock.
import { isPrivateKey, isPublicKey } from '../crypto/index.js';
import type { Network } from '../invoice/index.js';
import { decryptFailure } from '../onion/index.js';
import { type ChannelGraph, MAX_ROUTE_HOPS, type Route, type Scorer } from '../routing/index.js';
import { DuplicateError, type PaymentRecord, type PaymentStatus, type Store } from '../store/index.js';
import type { AttemptFailureDetail } from './attempt.js';
import { invoiceTerms } from './bolt11.js';
import {
  analyzeClosed,
  analyzeFailure,
  analyzeMalformed,
  analyzeRefusal,
  type FailureAnalysis,
} from './classify.js';
import { PaymentError } from './errors.js';
import { PaymentEvents, type PaymentListener } from './events.js';
import { buildFinalRecords, describeRecords, validateCustomRecords } from './keysend.js';
import { applyLessons, type LearningSession } from './learn.js';
import { type LoadedAttempt, PaymentLedger, type PaymentView } from './ledger.js';
import { KeyedMutex } from './mutex.js';
import {
  checkSendOptions,
  DEFAULT_PAYMENT_DEFAULTS,
  type KeysendOptions,
  type PayInvoiceOptions,
  type PaymentDefaults,
} from './options.js';
import { buildRouteOnion, finalPayloadShift, maxHopsForFinalPayload } from './payload.js';
import type { PaymentPlan } from './plan.js';
import {
  checkAmountAndDestination,
  checkKeysendFeature,
  checkSameRequest,
  invoicePlan,
  keysendPlan,
} from './requests.js';
import { findPaymentRoutes, type RoutingContext } from './route-search.js';
import {
  type AddResult,
  type AttemptId,
  attemptId,
  type HtlcOutcome,
  type HtlcSender,
  type LocalChannels,
  parseAttemptId,
  type SendHtlcRequest,
} from './types.js';

/** Fresh preimages drawn before concluding that the random source is broken. */
const PREIMAGE_DRAWS = 3;

export interface PaymentLoopConfig {
  store: Store;
  graph: ChannelGraph;
  scorer: Scorer;
  htlcSender: HtlcSender;
  localChannels: LocalChannels;
  /** Our node id (the routes' source). */
  nodeId: Uint8Array;
  /** The chain invoices must be for. */
  network: Network;
  currentHeight: () => number;
  /** Unix milliseconds. */
  nowMs: () => number;
  /** A CSPRNG: preimages and onion session keys come from it. */
  randomBytes: (n: number) => Uint8Array;
  /** Signs Whatsat sender records; without it, signed messages are refused. */
  nodePrivateKey?: Uint8Array;
  /** When given, channel_updates in failures must be for this chain. */
  chainHash?: Uint8Array;
  defaults?: Partial<PaymentDefaults>;
  /**
   * Errors of retries started in the background (store failures, bugs); the payment stays in
   * flight and resumeInFlight picks it up again. Default: console.error.
   */
  onError?: (error: unknown, paymentId: number) => void;
}

export interface PaymentStart {
  payment: PaymentRecord;
  /** True when an idempotency key matched an earlier payment: nothing new was paid. */
  existing: boolean;
  /**
   * For a payment started by this call: resolves when it succeeds or fails (as
   * `waitForCompletion`, without reading the payment: the waiter was registered before its first
   * HTLC left).
   */
  completion?: Promise<PaymentRecord>;
}

export interface PaymentResult extends PaymentView {
  existing: boolean;
}

interface Session extends LearningSession {
  /** Set once nothing a retry could change: the payment fails when no attempt is in flight. */
  terminal?: string;
  lastFailure?: string;
}

/** A payment and its attempts as just written by the caller that hands them on. */
interface Stored {
  payment: PaymentRecord;
  attempts: LoadedAttempt[];
}

interface Launch {
  paymentId: number;
  attemptNumber: number;
  request: SendHtlcRequest;
}

/** What ended an attempt: the channel layer's outcome, a local refusal, or nothing ever sent. */
type Resolution =
  | Exclude<HtlcOutcome, { kind: 'onchain' }>
  | { kind: 'refused'; reason: string }
  | { kind: 'never_sent' };

const isFinal = (s: PaymentStatus): boolean => s === 'succeeded' || s === 'failed';

/**
 * Sends keysend payments and pays BOLT 11 invoices through one loop. Create one per node; call
 * `resumeInFlight()` once after a restart, and route every HTLC outcome to `onHtlcResolved`.
 */
export class PaymentLoop {
  private readonly cfg: PaymentLoopConfig;
  private readonly defaults: PaymentDefaults;
  private readonly ledger: PaymentLedger;
  private readonly events = new PaymentEvents();
  private readonly mutex = new KeyedMutex<number>();
  private readonly sessions = new Map<number, Session>();
  private readonly waiters = new Map<number, ((p: PaymentRecord) => void)[]>();

  constructor(config: PaymentLoopConfig) {
    if (!(config.nodeId.length === 33 && isPublicKey(config.nodeId)))
      throw new TypeError('nodeId: expected a 33-byte public key');
    if (config.nodePrivateKey !== undefined && !isPrivateKey(config.nodePrivateKey))
      throw new TypeError('nodePrivateKey: not a valid private key');
    this.cfg = config;
    this.defaults = { ...DEFAULT_PAYMENT_DEFAULTS, ...config.defaults };
    this.ledger = new PaymentLedger(config.store);
  }

  /** Subscribes to payment events; returns the function that unsubscribes. */
  on(listener: PaymentListener): () => void {
    return this.events.on(listener);
  }

  /**
   * Starts a keysend payment (bLIP 3) and returns once it is stored and its first attempt is on
   * its way; `waitForCompletion` or the events tell the rest. Throws PaymentError when the request
   * cannot be paid as given; nothing is stored then.
   */
  async startKeysend(
    destination: Uint8Array,
    amountMsat: bigint,
    options: KeysendOptions = {},
  ): Promise<PaymentStart> {
    checkSendOptions(options);
    checkAmountAndDestination(destination, amountMsat, this.cfg.nodeId);
    const key = options.idempotencyKey;
    const earlier = key === undefined ? undefined : await this.cfg.store.payments.getByIdempotencyKey(key);
    if (earlier !== undefined && key !== undefined) {
      checkSameRequest(earlier, key, destination, amountMsat);
      return { payment: earlier, existing: true };
    }
    checkKeysendFeature(this.cfg.graph, destination, options.allowWithoutFeature === true);
    const now = this.cfg.nowMs();
    const records = buildFinalRecords(options, {
      recipientNodeId: destination,
      nowMs: now,
      nodePrivateKey: this.cfg.nodePrivateKey,
    });
    for (let draw = 1; ; draw++) {
      // bLIP 3: "a randomly generated and cryptographically-secure 32-byte value that serves as"
      // the preimage.
      const preimage = this.cfg.randomBytes(32);
      if (!(preimage instanceof Uint8Array && preimage.length === 32))
        throw new Error('randomBytes(32) did not return 32 bytes');
      const plan = keysendPlan(destination, amountMsat, options, records, preimage, now, this.defaults);
      if (draw === 1) this.preflight(plan);
      try {
        return await this.create(plan, key);
      } catch (e) {
        // bLIP 3: "MUST NOT reuse a previously used preimage"; a CSPRNG repeats with negligible
        // probability, so a repeat means a broken source: draw again, then give up.
        if (e instanceof PaymentError && e.code === 'preimage_reuse' && draw < PREIMAGE_DRAWS) continue;
        throw e;
      }
    }
  }

  /** startKeysend, then waits for the payment to succeed or fail. */
  async keysend(
    destination: Uint8Array,
    amountMsat: bigint,
    options: KeysendOptions = {},
  ): Promise<PaymentResult> {
    return this.finish(await this.startKeysend(destination, amountMsat, options));
  }

  /**
   * Starts paying a BOLT 11 invoice. Throws PaymentError for an invoice we must not pay (invalid,
   * other network, expired, no amount, unsupported features, already paid or in flight). An
   * invoice whose earlier payment failed is paid again under the same payment row.
   */
  async startInvoicePayment(bolt11: string, options: PayInvoiceOptions = {}): Promise<PaymentStart> {
    checkSendOptions(options);
    const key = options.idempotencyKey;
    const earlierByKey =
      key === undefined ? undefined : await this.cfg.store.payments.getByIdempotencyKey(key);
    const amount = options.amountMsat !== undefined ? { amountMsat: options.amountMsat } : {};
    const { network, nodeId } = this.cfg;
    if (earlierByKey !== undefined && key !== undefined) {
      // Judged as of the first call, so that a repeat after expiry still finds its payment.
      const t = invoiceTerms(bolt11, { network, nodeId, nowMs: earlierByKey.createdAt, ...amount });
      checkSameRequest(earlierByKey, key, t.destination, t.amountMsat, t.paymentHash);
      return { payment: earlierByKey, existing: true };
    }
    const now = this.cfg.nowMs();
    const terms = invoiceTerms(bolt11, { network, nodeId, nowMs: now, ...amount });
    const plan = invoicePlan(
      bolt11,
      terms,
      options,
      validateCustomRecords(options.customRecords),
      now,
      this.defaults,
    );
    const earlier = await this.cfg.store.payments.getByHash(terms.paymentHash);
    if (earlier?.status === 'succeeded')
      throw new PaymentError('already_paid', `this invoice was paid already (payment ${earlier.id})`);
    if (earlier?.status === 'in_flight')
      throw new PaymentError(
        'payment_in_flight',
        `a payment of this invoice is in flight (payment ${earlier.id})`,
      );
    this.preflight(plan);
    if (earlier === undefined) return this.create(plan, key);
    const payment = await this.ledger.reopenPayment(earlier.id, plan, now);
    return this.started(payment, plan);
  }

  /** startInvoicePayment, then waits for the payment to succeed or fail. */
  async payInvoice(bolt11: string, options: PayInvoiceOptions = {}): Promise<PaymentResult> {
    return this.finish(await this.startInvoicePayment(bolt11, options));
  }

  /** Resolves when the payment has succeeded or failed. */
  waitForCompletion(paymentId: number): Promise<PaymentRecord> {
    return new Promise((resolve, reject) => {
      // Register first, then look: a completion between the two cannot be missed.
      this.addWaiter(paymentId, resolve);
      this.ledger.payment(paymentId).then((p) => {
        if (p === undefined) {
          this.waiters.delete(paymentId);
          reject(new PaymentError('invalid_request', `no payment ${paymentId}`));
        } else if (isFinal(p.status)) this.settleWaiters(p);
      }, reject);
    });
  }

  /** A payment with its attempts (route, status, failing hop and code, why). */
  getPayment(paymentId: number): Promise<PaymentView | undefined> {
    return this.ledger.viewOf({ id: paymentId });
  }

  getPaymentByHash(paymentHash: Uint8Array): Promise<PaymentView | undefined> {
    return this.ledger.viewOf({ paymentHash });
  }

  /** Views of listed payments (kind and invoice included), without their attempts. */
  summaries(payments: readonly PaymentRecord[]): Promise<PaymentView[]> {
    return this.ledger.summaries(payments);
  }

  /** Payments by id, oldest first, after the `afterId` cursor. */
  listPayments(
    query: { status?: PaymentStatus; afterId?: number; limit?: number } = {},
  ): Promise<PaymentRecord[]> {
    return this.cfg.store.payments.list(query);
  }

  /**
   * The channel layer reports the final outcome of an HTLC we sent (possibly after a restart).
   * Resolves once the outcome is stored; a retry it calls for starts in the background, so that a
   * channel layer awaiting this from inside its own processing never waits on its own sendHtlc.
   * Unknown attempts and repeated reports are ignored. An 'onchain' report ends nothing: the attempt
   * is noted as waiting for the chain and stays in flight, so no retry can pay a second time.
   */
  async onHtlcResolved(id: AttemptId, outcome: HtlcOutcome): Promise<void> {
    const parsed = parseAttemptId(id);
    if (parsed === undefined) return;
    const { paymentId, attemptNumber } = parsed;
    if (outcome.kind === 'onchain') {
      await this.mutex.run(paymentId, () => this.noteOnChain(paymentId, attemptNumber, outcome.why));
      return;
    }
    if (await this.settle(paymentId, attemptNumber, outcome)) {
      this.advance(paymentId).catch((e: unknown) => this.onError(e, paymentId));
    }
  }

  /**
   * After a restart: re-attaches payments in flight. Attempts the channel layer never received are
   * failed and retried (when it can tell, see HtlcSender.attemptStatus); the others wait for
   * onHtlcResolved. Payments without an attempt in flight continue, or fail if past their deadline.
   */
  async resumeInFlight(): Promise<{ payments: number; attempts: number }> {
    const payments = await this.ledger.inFlightPayments();
    const attempts = await this.ledger.inFlightAttempts();
    const sender = this.cfg.htlcSender;
    if (sender.attemptStatus !== undefined) {
      for (const a of attempts) {
        if ((await sender.attemptStatus(attemptId(a.paymentId, a.attemptNumber))) === 'unknown')
          await this.resolve(a.paymentId, a.attemptNumber, { kind: 'never_sent' });
      }
    }
    await Promise.all(payments.map((p) => this.advance(p.id)));
    return { payments: payments.length, attempts: attempts.length };
  }

  // ---------------------------------------------------------------- starting payments

  /**
   * Refuses a payment whose final payload cannot fit the onion on any route: too large even for a
   * direct payment, or the destination is further away than the records leave hops for.
   */
  private preflight(plan: PaymentPlan): void {
    const budget = maxHopsForFinalPayload(plan.final, plan.amountMsat);
    if (budget === 0) {
      throw new PaymentError(
        'records_too_large',
        `records too large for a 1-hop route: the final payload needs ${finalPayloadShift(plan.final, plan.amountMsat)} ` +
          `of the onion's 1300 bytes (${describeRecords(plan.final.records)}); send fewer or smaller records`,
      );
    }
    if (budget >= MAX_ROUTE_HOPS) return;
    const found = findPaymentRoutes(this.routingContext(), this.newSession(plan), plan.amountMsat, []);
    if (found.kind === 'none' && found.code === 'records_too_large')
      throw new PaymentError('records_too_large', found.reason);
  }

  private async create(plan: PaymentPlan, key: string | undefined): Promise<PaymentStart> {
    let payment: PaymentRecord;
    try {
      payment = await this.ledger.createPayment(plan, key, this.cfg.nowMs());
    } catch (e) {
      if (e instanceof DuplicateError && e.field === 'idempotencyKey' && key !== undefined) {
        // A concurrent call with the same key won the race: its payment is the one.
        const earlier = await this.cfg.store.payments.getByIdempotencyKey(key);
        if (earlier !== undefined) {
          checkSameRequest(earlier, key, plan.destination, plan.amountMsat);
          return { payment: earlier, existing: true };
        }
      }
      if (e instanceof DuplicateError && e.field === 'paymentHash') {
        throw plan.kind === 'keysend'
          ? new PaymentError(
              'preimage_reuse',
              'the random source repeated the preimage of an earlier payment',
            )
          : new PaymentError('payment_in_flight', 'a payment of this invoice was started concurrently');
      }
      throw e;
    }
    // Just stored, with no attempt: its first attempts start without reading it back.
    return this.started(payment, plan, { payment, attempts: [] });
  }

  private async started(payment: PaymentRecord, plan: PaymentPlan, stored?: Stored): Promise<PaymentStart> {
    this.sessions.set(payment.id, this.newSession(plan));
    // In flight and nothing sent yet: it cannot end before this waiter is registered.
    const completion = new Promise<PaymentRecord>((resolve) => this.addWaiter(payment.id, resolve));
    this.events.emit({ type: 'payment_created', payment });
    await this.advance(payment.id, stored);
    return { payment, existing: false, completion };
  }

  private async finish(start: PaymentStart): Promise<PaymentResult> {
    await (start.completion ?? this.waitForCompletion(start.payment.id));
    const view = (await this.getPayment(start.payment.id)) as PaymentView;
    return { ...view, existing: start.existing };
  }

  private newSession(plan: PaymentPlan): Session {
    return {
      plan,
      excludedChannels: new Set(),
      excludedNodes: [],
      overrides: new Map(),
      overrideUsed: new Set(),
    };
  }

  /** The in-memory state of a payment; after a restart, rebuilt from its stored plan. */
  private async session(paymentId: number): Promise<Session | undefined> {
    const known = this.sessions.get(paymentId);
    if (known !== undefined) return known;
    const plan = await this.ledger.plan(paymentId);
    if (plan === undefined) return undefined;
    const s = this.newSession(plan);
    this.sessions.set(paymentId, s);
    return s;
  }

  private routingContext(): RoutingContext {
    const c = this.cfg;
    return {
      graph: c.graph,
      scorer: c.scorer,
      nodeId: c.nodeId,
      localChannels: c.localChannels,
      currentHeight: c.currentHeight(),
      nowMs: c.nowMs(),
    };
  }

  private onError(error: unknown, paymentId: number): void {
    if (this.cfg.onError !== undefined) this.cfg.onError(error, paymentId);
    else console.error(`payment ${paymentId}: retry failed`, error);
  }

  private addWaiter(paymentId: number, resolve: (p: PaymentRecord) => void): void {
    const list = this.waiters.get(paymentId) ?? [];
    list.push(resolve);
    this.waiters.set(paymentId, list);
  }

  private settleWaiters(p: PaymentRecord): void {
    const list = this.waiters.get(p.id);
    if (list === undefined) return;
    this.waiters.delete(p.id);
    for (const w of list) w(p);
  }

  // ---------------------------------------------------------------- attempts

  /** Starts whatever attempts the payment needs now, then sends them (outside the payment's lock). */
  private async advance(paymentId: number, stored?: Stored): Promise<void> {
    const launches = await this.mutex.run(paymentId, () => this.startAttempts(paymentId, stored));
    await Promise.all(launches.map((l) => this.send(l)));
  }

  /** `stored`: the payment and its attempts as the caller just wrote them (else they are read). */
  private async startAttempts(paymentId: number, stored?: Stored): Promise<Launch[]> {
    const { payment, attempts } = stored ?? (await this.ledger.withAttempts(paymentId));
    if (payment === undefined) return [];
    if (payment.status !== 'in_flight') {
      this.settleWaiters(payment);
      return [];
    }
    const session = await this.session(paymentId);
    if (session === undefined) return this.fail(payment, 'the payment plan is missing from the store');
    const { plan } = session;
    const inFlight = attempts.filter((a) => a.record.status === 'in_flight').map((a) => a.stored);
    const stop = async (reason: string): Promise<Launch[]> => {
      if (inFlight.length === 0) return this.fail(payment, reason);
      session.terminal ??= reason;
      return [];
    };
    if (session.terminal !== undefined) return stop(session.terminal);
    const remaining = plan.amountMsat - inFlight.reduce((s, a) => s + a.route.amountMsat, 0n);
    if (remaining <= 0n) return [];
    // Never more than one HTLC at a time unless the payment may be split.
    if (!plan.allowMpp && inFlight.length > 0) return [];
    const last = session.lastFailure === undefined ? '' : `; last failure: ${session.lastFailure}`;
    const now = this.cfg.nowMs();
    if (now >= plan.deadlineMs)
      return stop(`timeout: no success before the deadline (${attempts.length} attempt(s))${last}`);
    if (attempts.length >= plan.maxAttempts) return stop(`gave up after ${attempts.length} attempts${last}`);

    const found = findPaymentRoutes(this.routingContext(), session, remaining, inFlight);
    if (found.kind === 'none') return stop(`${found.reason}${last}`);
    let next = attempts.reduce((m, a) => Math.max(m, a.record.attemptNumber), 0) + 1;
    const launches: Launch[] = [];
    for (const route of found.routes) {
      let sessionKey = this.cfg.randomBytes(32);
      while (!isPrivateKey(sessionKey)) sessionKey = this.cfg.randomBytes(32);
      const built = buildRouteOnion(route, plan.final, sessionKey, plan.paymentHash);
      if (!built.ok) return stop(built.reason);
      const attemptNumber = next++;
      // Stored in flight before the HTLC leaves: after a crash the attempt is known, never repeated.
      await this.ledger.createAttempt(paymentId, attemptNumber, { route, sessionKey }, now);
      this.events.emit({ type: 'attempt_started', paymentId, attemptNumber, route });
      const first = route.hops[0] as Route['hops'][number];
      launches.push({
        paymentId,
        attemptNumber,
        request: {
          firstHopShortChannelId: first.shortChannelId,
          firstHopNodeId: first.nodeId,
          amountMsat: route.totalAmountMsat,
          cltvExpiry: route.cltvExpiry,
          paymentHash: plan.paymentHash,
          onion: built.onion.packet,
          attemptId: attemptId(paymentId, attemptNumber),
        },
      });
    }
    return launches;
  }

  private async send(l: Launch): Promise<void> {
    let result: AddResult;
    try {
      result = await this.cfg.htlcSender.sendHtlc(l.request);
    } catch {
      // Unknown whether the HTLC was added: the attempt stays in flight until the channel layer
      // reports its outcome (see HtlcSender.sendHtlc).
      return;
    }
    if (result.kind === 'refused')
      await this.resolve(l.paymentId, l.attemptNumber, { kind: 'refused', reason: result.reason });
  }

  /** Notes (once) that an attempt in flight is left to the chain. */
  private async noteOnChain(paymentId: number, attemptNumber: number, why: string): Promise<void> {
    const attempt = (await this.ledger.attempts(paymentId)).find(
      (a) => a.record.attemptNumber === attemptNumber,
    );
    if (attempt?.record.status !== 'in_flight') return;
    const reason = `our channel closed with the HTLC in it; it resolves on chain (${why})`;
    if (await this.ledger.noteOnChain(paymentId, attemptNumber, reason))
      this.events.emit({ type: 'attempt_onchain', paymentId, attemptNumber, reason });
  }

  /** Settles an attempt under the payment's lock; true if the loop should try again. */
  private settle(paymentId: number, attemptNumber: number, outcome: Resolution): Promise<boolean> {
    return this.mutex.run(paymentId, () => this.settleAttempt(paymentId, attemptNumber, outcome));
  }

  private async resolve(paymentId: number, attemptNumber: number, outcome: Resolution): Promise<void> {
    if (await this.settle(paymentId, attemptNumber, outcome)) await this.advance(paymentId);
  }

  /** Records an attempt's outcome and what it teaches; returns whether the loop should go on. */
  private async settleAttempt(
    paymentId: number,
    attemptNumber: number,
    outcome: Resolution,
  ): Promise<boolean> {
    const now = this.cfg.nowMs();
    let read: { payment: PaymentRecord | undefined; attempts: LoadedAttempt[] };
    if (outcome.kind === 'fulfilled') {
      // Recorded even for an attempt we had given up as never sent: the money left, and the
      // preimage is the proof that it arrived. Read and written in one transaction.
      const r = await this.ledger.succeedAttempt(paymentId, attemptNumber, outcome.preimage, now);
      if (r.kind === 'ignored') return false;
      if (r.kind === 'succeeded') {
        this.cfg.scorer.paymentSucceeded(r.attempt.stored.route.hops, now);
        // A finished payment needs no session; a late report of another part reloads it.
        this.sessions.delete(paymentId);
        if (r.before.status !== 'succeeded') {
          this.events.emit({ type: 'payment_succeeded', payment: r.after });
          this.settleWaiters(r.after);
        }
        return false;
      }
      // A preimage that does not pay the hash: a failure, analyzed below.
      read = r;
    } else {
      read = await this.ledger.withAttempts(paymentId);
    }
    const payment = read.payment;
    const attempt = read.attempts.find((a) => a.record.attemptNumber === attemptNumber);
    if (attempt === undefined || payment === undefined || attempt.record.status === 'succeeded') return false;
    const { route, sessionKey } = attempt.stored;

    if (attempt.record.status !== 'in_flight') return false;
    const analysis = this.analyze(route, sessionKey, outcome);
    const session = await this.session(paymentId);
    const { graph, scorer, chainHash } = this.cfg;
    const note =
      session === undefined
        ? undefined
        : applyLessons({ graph, scorer, chainHash, nowMs: now }, session, route, analysis);
    const detail: AttemptFailureDetail = {
      reason: note === undefined ? analysis.reason : `${analysis.reason} (${note})`,
      ...(analysis.failureName !== undefined ? { failureName: analysis.failureName } : {}),
    };
    await this.ledger.failAttempt(
      paymentId,
      attemptNumber,
      analysis.failingHop,
      analysis.failureCode,
      detail,
      now,
    );
    this.events.emit({
      type: 'attempt_failed',
      paymentId,
      attemptNumber,
      failingHop: analysis.failingHop,
      failureCode: analysis.failureCode,
      ...(analysis.failureName !== undefined ? { failureName: analysis.failureName } : {}),
      reason: detail.reason,
    });
    if (session !== undefined) {
      session.lastFailure = detail.reason;
      if (analysis.terminal) session.terminal ??= detail.reason;
    }
    return payment.status === 'in_flight';
  }

  private analyze(route: Route, sessionKey: Uint8Array, outcome: Resolution): FailureAnalysis {
    switch (outcome.kind) {
      case 'fulfilled':
        // The channel layer must check preimages (BOLT 2); one that slips through proves nothing.
        return {
          ...analyzeRefusal(route, 'the returned preimage does not hash to the payment hash'),
          failingHop: 1,
        };
      case 'failed': {
        const secrets = { sessionKey, hopNodeIds: route.hops.map((h) => h.nodeId) };
        return analyzeFailure(route, decryptFailure(secrets, outcome.reason, outcome.attributionData));
      }
      case 'malformed':
        return analyzeMalformed(route, outcome.code);
      case 'closed':
        return analyzeClosed(route, outcome.why);
      case 'refused':
        return analyzeRefusal(route, outcome.reason);
      case 'never_sent':
        return {
          failingHop: 0,
          failureCode: null,
          reason: 'the HTLC was never sent (the node stopped between storing and sending it)',
          terminal: false,
          excludeChannels: [],
          excludeNodes: [],
        };
    }
  }

  private async fail(payment: PaymentRecord, reason: string): Promise<Launch[]> {
    const updated = await this.ledger.failPayment(payment.id, reason, this.cfg.nowMs());
    this.sessions.delete(payment.id);
    this.events.emit({ type: 'payment_failed', payment: updated });
    this.settleWaiters(updated);
    return [];
  }
}
