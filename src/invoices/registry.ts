// src/invoices/registry.ts: the invoice registry, the shell around the pure decision: it creates
// BOLT 11 invoices, gathers what is known about an arriving HTLC, runs `decideFinalHtlc`, persists
// the outcome (ad-hoc keysend invoices, settles, holds) in one store transaction, and only then
// returns what the channel layer must do with each HTLC. Time and randomness are injected.
import { bytesToHex, equalBytes, sha256 } from '../crypto/index.js';
import type { Network } from '../invoice/index.js';
import type { FinalHopPayload } from '../onion/index.js';
import {
  type CustomRecords,
  DuplicateError,
  type InvoiceRecord,
  type Store,
  type StoreTx,
} from '../store/index.js';
import type {
  CreatedInvoice,
  CreateInvoiceRequest,
  FinalHtlcOutcome,
  HtlcResolution,
  InvoicePage,
  InvoiceRegistryOptions,
  InvoiceSigner,
  ListInvoicesQuery,
  Resolved,
} from './api.js';
import { decodeKeysendAppFields, keysendMemo } from './app-fields.js';
import { prepareInvoice } from './create.js';
import { decideFinalHtlc } from './decide.js';
import { RegistryError } from './errors.js';
import { incorrectOrUnknownPaymentDetails, MPP_TIMEOUT } from './failures.js';
import { htlcKeyString } from './htlc-key.js';
import { type HtlcSet, HtlcSets, type SetPart } from './htlc-sets.js';
import { KeyedMutex } from './keyed-mutex.js';
import { readMeta, writeMeta } from './meta.js';
import { receivePolicy } from './policy.js';
import { DEFAULT_KEYSEND_RATE_LIMIT, TokenBuckets } from './rate-limit.js';
import { SettledInvoiceStream } from './subscription.js';
import type {
  FinalHtlcDecision,
  IncomingHtlc,
  InvoiceMeta,
  KnownInvoice,
  ReceivePolicy,
  StoredAppFields,
} from './types.js';
import { type RegistryInvoice, viewOf, viewsOf } from './view.js';

const DEFAULT_MPP_TIMEOUT_MS = 60_000;
const DEFAULT_HOLD_EXPIRY_DELTA = 12;
const DEFAULT_INVOICE_MIN_FINAL_CLTV = 40;

export class InvoiceRegistry {
  readonly #store: Store;
  readonly #nodeId: Uint8Array;
  readonly #network: Network;
  readonly #sign: InvoiceSigner;
  readonly #random: (n: number) => Uint8Array;
  readonly #clock: () => number;
  #policy: ReceivePolicy;
  readonly #buckets: TokenBuckets | undefined;
  readonly #mppTimeoutMs: number;
  readonly #holdExpiryDelta: number;
  readonly #invoiceMinFinalCltv: number;
  readonly #sets = new HtlcSets();
  readonly #mutex = new KeyedMutex();
  readonly #streams = new Set<SettledInvoiceStream<RegistryInvoice>>();

  constructor(options: InvoiceRegistryOptions) {
    this.#store = options.store;
    this.#nodeId = options.nodeId;
    this.#network = options.network;
    this.#sign = options.signInvoice;
    this.#random = options.randomBytes;
    this.#clock = options.clock;
    this.#policy = receivePolicy(options.policy);
    const limit = options.keysendRateLimit ?? DEFAULT_KEYSEND_RATE_LIMIT;
    this.#buckets = limit === false ? undefined : new TokenBuckets(limit);
    this.#mppTimeoutMs = options.mppTimeoutMs ?? DEFAULT_MPP_TIMEOUT_MS;
    this.#holdExpiryDelta = options.holdExpiryDeltaBlocks ?? DEFAULT_HOLD_EXPIRY_DELTA;
    this.#invoiceMinFinalCltv = options.invoiceMinFinalCltvExpiryDelta ?? DEFAULT_INVOICE_MIN_FINAL_CLTV;
  }

  /** The receive policy in force. */
  get policy(): Readonly<ReceivePolicy> {
    return this.#policy;
  }

  /**
   * The even record types to treat as known when peeling a final payload (`parseFinalPayload`),
   * so the onion layer and this registry agree on what fails with `invalid_onion_payload`.
   */
  get knownEvenTypes(): ReadonlySet<bigint> {
    return this.#policy.knownEvenTypes;
  }

  /** Accept payments carrying this even custom record type (an app record the operator handles). */
  registerEvenRecordType(type: bigint): void {
    if (type < 65536n || type > 0xffffffffffffffffn || type % 2n !== 0n)
      throw new RegistryError('invalid_request', `expected an even custom record type >= 65536, got ${type}`);
    this.#policy = { ...this.#policy, knownEvenTypes: new Set([...this.#policy.knownEvenTypes, type]) };
  }

  /** Incomplete multi-part sets and held sets in memory. */
  get pendingSets(): number {
    return this.#sets.size;
  }

  // ---- BOLT 11 invoices ---------------------------------------------------------------------

  /** Creates, signs and stores a BOLT 11 invoice. */
  async createInvoice(req: CreateInvoiceRequest): Promise<CreatedInvoice> {
    const nowMs = this.#clock();
    const { bolt11, paymentHash, paymentSecret, preimage, meta, expiresAt } = prepareInvoice(req, {
      network: this.#network,
      nowMs,
      sign: this.#sign,
      randomBytes: this.#random,
      acceptMpp: this.#policy.acceptMpp,
      minFinalCltvExpiryDelta: this.#invoiceMinFinalCltv,
    });
    try {
      const record = await this.#store.transaction(async (tx) => {
        const r = await tx.invoices.insert({
          paymentHash,
          preimage,
          amountMsat: req.amountMsat ?? null,
          keysend: false,
          bolt11,
          memo: req.description ?? '',
          expiresAt,
          createdAt: nowMs,
        });
        await writeMeta(tx, paymentHash, meta);
        return r;
      });
      return { bolt11, paymentHash, paymentSecret, preimage, invoice: viewOf(record, meta) };
    } catch (e) {
      if (e instanceof DuplicateError)
        throw new RegistryError('duplicate_payment_hash', 'an invoice with this payment hash already exists');
      throw e;
    }
  }

  /** The invoice for a payment hash. */
  async lookup(paymentHash: Uint8Array): Promise<RegistryInvoice | undefined> {
    const known = await this.#load(paymentHash);
    return known === undefined ? undefined : viewOf(known.record, known.meta);
  }

  /** A page of invoices in the order they were added. */
  async list(query: ListInvoicesQuery = {}): Promise<InvoicePage> {
    const limit = query.limit ?? 100;
    if (!Number.isSafeInteger(limit) || limit <= 0)
      throw new RegistryError('invalid_request', `limit must be a positive integer, got ${limit}`);
    const order = query.reversed === true ? 'desc' : 'asc';
    return this.#store.transaction(async (tx) => {
      const out: InvoiceRecord[] = [];
      let cursor = query.offset === undefined || query.offset === 0 ? undefined : query.offset;
      let nextOffset: number | undefined;
      for (;;) {
        const page = await tx.invoices.list({
          order,
          limit,
          ...(cursor !== undefined ? { cursor } : {}),
          ...(query.state !== undefined ? { state: query.state } : {}),
        });
        for (const r of page) {
          nextOffset = r.addIndex;
          if (query.keysendOnly === true && !r.keysend) continue;
          out.push(r);
          if (out.length === limit) break;
        }
        if (out.length === limit || page.length < limit) break;
        cursor = nextOffset;
      }
      return { invoices: await viewsOf(tx, out), nextOffset };
    });
  }

  /** Cancels an unsettled invoice and fails the HTLCs collected for it. */
  cancel(paymentHash: Uint8Array): Promise<Resolved & { invoice: RegistryInvoice }> {
    return this.#mutex.run(bytesToHex(paymentHash), async () => {
      const known = await this.#load(paymentHash);
      if (known === undefined) throw new RegistryError('not_found', 'no invoice has this payment hash');
      const state = known.record.state;
      if (state === 'settled')
        throw new RegistryError(
          'invalid_state',
          'the invoice is settled; a settled invoice cannot be canceled',
        );
      const record =
        state === 'canceled'
          ? known.record
          : await this.#store.invoices.update(paymentHash, { state: 'canceled' });
      const resolutions = this.#failSet(this.#sets.take(paymentHash), 'the invoice was canceled');
      return { invoice: viewOf(record, known.meta), resolutions };
    });
  }

  /**
   * Settles a hold invoice whose HTLCs have all arrived ('accepted') with its preimage, and
   * returns the settles for the HTLCs held in memory (HTLCs replayed after a restart settle then).
   */
  settleHold(
    paymentHash: Uint8Array,
    preimage: Uint8Array,
  ): Promise<Resolved & { invoice: RegistryInvoice }> {
    return this.#mutex.run(bytesToHex(paymentHash), async () => {
      if (!equalBytes(sha256(preimage), paymentHash))
        throw new RegistryError('wrong_preimage', 'the preimage does not hash to this payment hash');
      const known = await this.#load(paymentHash);
      if (known === undefined) throw new RegistryError('not_found', 'no invoice has this payment hash');
      if (!known.meta.hold) throw new RegistryError('invalid_state', 'not a hold invoice');
      const state = known.record.state;
      if (state === 'settled') return { invoice: viewOf(known.record, known.meta), resolutions: [] };
      if (state !== 'accepted')
        throw new RegistryError(
          'invalid_state',
          `the invoice is ${state}; a hold invoice is settled once all its HTLCs have arrived (accepted)`,
        );
      const record = await this.#store.invoices.update(paymentHash, {
        state: 'settled',
        preimage,
        settledAt: this.#clock(),
      });
      const set = this.#sets.take(paymentHash);
      const resolutions: HtlcResolution[] = [...(set?.parts.values() ?? [])].map((p) => ({
        kind: 'settle',
        htlc: p.htlc,
        preimage,
      }));
      this.#notify();
      return { invoice: viewOf(record, known.meta), resolutions };
    });
  }

  /** Marks open invoices whose expiry has passed as expired and fails their incomplete sets. */
  async expireOld(nowMs: number = this.#clock()): Promise<Resolved & { expired: RegistryInvoice[] }> {
    const due: InvoiceRecord[] = [];
    for (let cursor: number | undefined; ; ) {
      const page = await this.#store.invoices.list({
        state: 'open',
        limit: 500,
        ...(cursor !== undefined ? { cursor } : {}),
      });
      for (const r of page) if (r.expiresAt !== null && r.expiresAt <= nowMs) due.push(r);
      if (page.length < 500) break;
      cursor = page[page.length - 1]!.addIndex;
    }
    const expired: RegistryInvoice[] = [];
    const resolutions: HtlcResolution[] = [];
    for (const r of due) {
      await this.#mutex.run(bytesToHex(r.paymentHash), async () => {
        const now = await this.#store.transaction(async (tx) => {
          const current = await tx.invoices.get(r.paymentHash);
          if (current?.state !== 'open') return undefined;
          const updated = await tx.invoices.update(r.paymentHash, { state: 'expired' });
          return viewOf(updated, await readMeta(tx, r.paymentHash));
        });
        if (now === undefined) return;
        expired.push(now);
        resolutions.push(...this.#failSet(this.#sets.take(r.paymentHash), 'the invoice expired'));
      });
    }
    return { expired, resolutions };
  }

  /**
   * Fails what must not wait longer: multi-part sets incomplete `mppTimeoutMs` after their first
   * part (`mpp_timeout`), and held HTLCs whose `cltv_expiry` is within `holdExpiryDeltaBlocks` of
   * `currentHeight` (their hold invoice goes back to open). Call on a timer and on every block.
   */
  async tick(currentHeight: number): Promise<Resolved> {
    const nowMs = this.#clock();
    const resolutions: HtlcResolution[] = [];
    for (const stale of this.#sets.timedOut(nowMs, this.#mppTimeoutMs)) {
      await this.#mutex.run(bytesToHex(stale.paymentHash), async () => {
        const set = this.#sets.get(stale.paymentHash);
        if (set === undefined || set.held || nowMs - set.firstArrivalMs < this.#mppTimeoutMs) return;
        this.#sets.take(stale.paymentHash);
        // BOLT 4: "MUST fail all HTLCs in the HTLC set after some reasonable timeout."
        // "SHOULD use `mpp_timeout` for the failure message."
        for (const p of set.parts.values())
          resolutions.push({
            kind: 'fail',
            htlc: p.htlc,
            failure: MPP_TIMEOUT,
            reason: 'the rest of the payment did not arrive in time',
          });
      });
    }
    for (const expiring of this.#sets.heldExpiringBy(currentHeight + this.#holdExpiryDelta)) {
      await this.#mutex.run(bytesToHex(expiring.paymentHash), async () => {
        const set = this.#sets.get(expiring.paymentHash);
        if (set === undefined || !set.held) return;
        await this.#store.transaction(async (tx) => {
          const current = await tx.invoices.get(set.paymentHash);
          if (current?.state !== 'accepted') return;
          await tx.invoices.update(set.paymentHash, { state: 'open', amountReceivedMsat: 0n });
          await writeMeta(tx, set.paymentHash, { ...(await readMeta(tx, set.paymentHash)), htlcs: [] });
        });
        this.#sets.take(set.paymentHash);
        resolutions.push(...this.#failSet(set, 'a held HTLC came too close to its expiry'));
      });
    }
    return { resolutions };
  }

  // ---- arriving HTLCs -----------------------------------------------------------------------

  /**
   * Decides on an HTLC that reached this node as the final hop and carries out the decision:
   * a keysend creates its settled ad-hoc invoice (records, decoded app fields) in one
   * transaction; a BOLT 11 payment settles its invoice or joins its set. The returned
   * resolutions are persisted before they are returned; act on them in order. Call outside any
   * store transaction.
   */
  onFinalHtlc(
    htlc: IncomingHtlc,
    payload: FinalHopPayload,
    currentHeight: number,
  ): Promise<FinalHtlcOutcome> {
    return this.#mutex.run(bytesToHex(htlc.paymentHash), async () => {
      const nowMs = this.#clock();
      const keysendRateLimited =
        payload.keysendPreimage !== undefined &&
        this.#buckets !== undefined &&
        !this.#buckets.take(bytesToHex(htlc.incomingPeer), nowMs);
      const invoice = await this.#load(htlc.paymentHash);
      const set = this.#sets.view(htlc.paymentHash);
      const decision = decideFinalHtlc(htlc, payload, currentHeight, this.#policy, {
        nowMs,
        ...(invoice !== undefined ? { invoice } : {}),
        ...(set !== undefined ? { set } : {}),
        keysendRateLimited,
      });
      const part = (records: CustomRecords): SetPart => ({
        htlc,
        amtToForwardMsat: payload.amtToForwardMsat,
        records,
        height: currentHeight,
      });
      switch (decision.kind) {
        case 'fail': {
          const resolutions: HtlcResolution[] = [
            { kind: 'fail', htlc, failure: decision.failure, reason: decision.reason },
          ];
          if (decision.failSet)
            resolutions.push(...this.#failSet(this.#sets.take(htlc.paymentHash), decision.reason));
          return { decision, resolutions };
        }
        case 'accept_part':
          this.#sets.add(part(decision.records), payload.totalMsat, nowMs);
          return { decision, resolutions: [{ kind: 'wait', htlc }] };
        case 'hold': {
          if (decision.replay) {
            this.#sets.add(part(decision.records), payload.totalMsat, nowMs).held = true;
            return { decision, resolutions: [{ kind: 'wait', htlc }] };
          }
          const parts = this.#partsWith(part(decision.records));
          const view = await this.#writePaid(invoice!, parts, 'accepted', nowMs, null);
          const held = this.#sets.add(part(decision.records), payload.totalMsat, nowMs);
          held.held = true;
          return { decision, resolutions: [{ kind: 'wait', htlc }], invoice: view };
        }
        case 'settle': {
          if (decision.replay)
            return { decision, resolutions: [{ kind: 'settle', htlc, preimage: decision.preimage }] };
          if (decision.keysend) return this.#settleKeysend(htlc, decision, currentHeight, nowMs);
          const parts = this.#partsWith(part(decision.records));
          const view = await this.#writePaid(invoice!, parts, 'settled', nowMs, decision.preimage);
          this.#sets.take(htlc.paymentHash);
          this.#notify();
          // The arriving HTLC first, then the parts that were waiting.
          const resolutions: HtlcResolution[] = [
            htlc,
            ...parts.filter((p) => p.htlc !== htlc).map((p) => p.htlc),
          ].map((h) => ({ kind: 'settle', htlc: h, preimage: decision.preimage }));
          return { decision, resolutions, invoice: view };
        }
      }
    });
  }

  async #settleKeysend(
    htlc: IncomingHtlc,
    decision: Extract<FinalHtlcDecision, { kind: 'settle' }>,
    currentHeight: number,
    nowMs: number,
  ): Promise<FinalHtlcOutcome> {
    const app = decodeKeysendAppFields(decision.records, this.#nodeId);
    const meta: InvoiceMeta = { hold: false, mpp: false, htlcs: [htlcKeyString(htlc)] };
    if (app !== undefined) meta.app = storedPart(app);
    try {
      const record = await this.#store.transaction(async (tx) => {
        const r = await tx.invoices.insert({
          paymentHash: htlc.paymentHash,
          preimage: decision.preimage,
          amountMsat: htlc.amountMsat,
          amountReceivedMsat: htlc.amountMsat,
          keysend: true,
          bolt11: null,
          memo: keysendMemo(app),
          state: 'settled',
          settledAt: nowMs,
          expiresAt: null,
          createdAt: nowMs,
          customRecords: decision.records,
        });
        await writeMeta(tx, htlc.paymentHash, meta);
        return r;
      });
      this.#notify();
      return {
        decision,
        resolutions: [{ kind: 'settle', htlc, preimage: decision.preimage }],
        invoice: viewOf(record, meta),
      };
    } catch (e) {
      // Another process inserted the hash between our read and write: a duplicate after all.
      if (!(e instanceof DuplicateError)) throw e;
      const failure = incorrectOrUnknownPaymentDetails(htlc, currentHeight);
      const reason = 'an invoice with this payment hash already exists (duplicate payment hash)';
      return {
        decision: { kind: 'fail', code: failure.name, failure, reason, failSet: false },
        resolutions: [{ kind: 'fail', htlc, failure, reason }],
      };
    }
  }

  /** The parts already collected for the hash, plus `arriving`. */
  #partsWith(arriving: SetPart): SetPart[] {
    const set = this.#sets.get(arriving.htlc.paymentHash);
    const key = htlcKeyString(arriving.htlc);
    return [...(set?.parts.values() ?? [])].filter((p) => htlcKeyString(p.htlc) !== key).concat(arriving);
  }

  /** Writes a BOLT 11 invoice as paid by `parts` ('accepted' for hold, else 'settled'). */
  async #writePaid(
    known: KnownInvoice,
    parts: readonly SetPart[],
    state: 'accepted' | 'settled',
    nowMs: number,
    preimage: Uint8Array | null,
  ): Promise<RegistryInvoice> {
    let amountReceivedMsat = 0n;
    const records = new Map<bigint, Uint8Array>();
    for (const p of parts) {
      amountReceivedMsat += p.htlc.amountMsat;
      for (const [t, v] of p.records) if (!records.has(t)) records.set(t, v);
    }
    const sorted = new Map([...records].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    const meta: InvoiceMeta = { ...known.meta, htlcs: parts.map((p) => htlcKeyString(p.htlc)) };
    const hash = known.record.paymentHash;
    const record = await this.#store.transaction(async (tx: StoreTx) => {
      const r = await tx.invoices.update(hash, {
        state,
        amountReceivedMsat,
        customRecords: sorted,
        ...(state === 'settled' ? { settledAt: nowMs } : {}),
        ...(preimage !== null && known.record.preimage === null ? { preimage } : {}),
      });
      await writeMeta(tx, hash, meta);
      return r;
    });
    return viewOf(record, meta);
  }

  #failSet(set: HtlcSet | undefined, reason: string): HtlcResolution[] {
    if (set === undefined) return [];
    return [...set.parts.values()].map((p) => ({
      kind: 'fail',
      htlc: p.htlc,
      failure: incorrectOrUnknownPaymentDetails(p.htlc, p.height),
      reason,
    }));
  }

  #load(paymentHash: Uint8Array): Promise<KnownInvoice | undefined> {
    return this.#store.transaction(async (tx) => {
      const record = await tx.invoices.get(paymentHash);
      if (record === undefined) return undefined;
      return { record, meta: await readMeta(tx, paymentHash) };
    });
  }

  // ---- events -------------------------------------------------------------------------------

  /**
   * Settled invoices (keysend and BOLT 11, with their records) in settle order: first those
   * settled after `fromSettleIndex` (0: all), read from the store, then each new one as it
   * settles. An app that reconnects passes the last `settleIndex` it saw and misses nothing.
   * End it with `close()` (or `break` out of a `for await`).
   */
  subscribe(fromSettleIndex = 0): SettledInvoiceStream<RegistryInvoice> {
    if (!Number.isSafeInteger(fromSettleIndex) || fromSettleIndex < 0)
      throw new RegistryError(
        'invalid_request',
        `fromSettleIndex must be an integer >= 0, got ${fromSettleIndex}`,
      );
    const stream: SettledInvoiceStream<RegistryInvoice> = new SettledInvoiceStream(
      fromSettleIndex,
      (after, limit) =>
        this.#store.transaction(async (tx) => viewsOf(tx, await tx.invoices.listSettledSince(after, limit))),
      () => this.#streams.delete(stream),
    );
    this.#streams.add(stream);
    return stream;
  }

  #notify(): void {
    for (const s of this.#streams) s.notify();
  }

  /** Ends every subscription (the store stays open: it belongs to the caller). */
  close(): void {
    for (const s of [...this.#streams]) s.close();
  }
}

function storedPart(app: StoredAppFields & { boost?: unknown }): StoredAppFields {
  const { boost: _boost, ...stored } = app;
  return stored;
}
