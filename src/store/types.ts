// src/store/types.ts: the Store contract every part of the node uses, and the records it holds.
// Bytes are Uint8Array, amounts bigint (msat or sat), heights and CLTVs number, and times are
// unix milliseconds (number) supplied by the caller, so that what is stored is what was decided.

/** One namespace of the key-value table; it satisfies the wallet's `KeyValueStore`. */
export interface KvNamespace {
  get(key: string): Promise<Uint8Array | undefined>;
  put(key: string, value: Uint8Array): Promise<void>;
  /** Returns whether a value was there. */
  delete(key: string): Promise<boolean>;
  /** Every entry whose key starts with `prefix` (all when omitted), in code-point order of keys. */
  list(prefix?: string): Promise<KvEntry[]>;
}

export interface KvEntry {
  key: string;
  value: Uint8Array;
}

// ---- channels -------------------------------------------------------------------------------

export interface ChannelRecord {
  channelId: Uint8Array; // 32 bytes
  peerNodeId: Uint8Array; // 33 bytes, compressed
  shortChannelId: bigint | null;
  /** The state machine's state name; the store does not interpret it. */
  state: string;
  fundingTxid: Uint8Array; // 32 bytes
  fundingOutputIndex: number;
  capacitySat: bigint;
  localBalanceMsat: bigint;
  remoteBalanceMsat: bigint;
  /** The serialized state-machine state, opaque to the store. */
  data: Uint8Array;
  /** Starts at 1 and grows by one with every write; see `ChannelRepository.upsert`. */
  version: number;
  createdAt: number;
  updatedAt: number;
}

/** What a caller writes: the store assigns `version` and keeps the first `createdAt`. */
export type ChannelWrite = Omit<ChannelRecord, 'version' | 'createdAt'>;

export interface ChannelRepository {
  get(channelId: Uint8Array): Promise<ChannelRecord | undefined>;
  getByShortChannelId(shortChannelId: bigint): Promise<ChannelRecord | undefined>;
  /** Oldest first. */
  list(filter?: { state?: string; peerNodeId?: Uint8Array }): Promise<ChannelRecord[]>;
  /**
   * Writes the channel if it is still at `expectedVersion` (0: it must not exist yet) and returns
   * the stored record at `expectedVersion + 1`; otherwise throws `VersionConflictError`.
   */
  upsert(channel: ChannelWrite, expectedVersion: number): Promise<ChannelRecord>;
}

// ---- htlcs ----------------------------------------------------------------------------------

export type HtlcDirection = 'offered' | 'received';

export interface HtlcRecord {
  channelId: Uint8Array;
  direction: HtlcDirection;
  htlcId: bigint;
  paymentHash: Uint8Array;
  amountMsat: bigint;
  cltvExpiry: number;
  state: string;
  onion: Uint8Array | null;
  preimage: Uint8Array | null;
  failure: Uint8Array | null;
  createdAt: number;
  updatedAt: number;
}

export type HtlcWrite = Omit<HtlcRecord, 'createdAt'>;

export interface HtlcRepository {
  /** Inserts or replaces the HTLC (keyed by channel, direction, id); `NotFoundError` without its channel. */
  upsert(htlc: HtlcWrite): Promise<HtlcRecord>;
  get(channelId: Uint8Array, direction: HtlcDirection, htlcId: bigint): Promise<HtlcRecord | undefined>;
  /** Ordered by direction, then htlcId. */
  listByChannel(channelId: Uint8Array, filter?: { state?: string }): Promise<HtlcRecord[]>;
  findByPaymentHash(paymentHash: Uint8Array): Promise<HtlcRecord[]>;
  delete(channelId: Uint8Array, direction: HtlcDirection, htlcId: bigint): Promise<boolean>;
}

// ---- custom records (TLV types >= 65536 carried by keysend and invoices) --------------------

/** TLV type -> value; read back sorted by type. Types use the full u64 range. */
export type CustomRecords = ReadonlyMap<bigint, Uint8Array>;

// ---- payments (outgoing) --------------------------------------------------------------------

export type PaymentStatus = 'in_flight' | 'succeeded' | 'failed';
export const PAYMENT_STATUSES: readonly PaymentStatus[] = ['in_flight', 'succeeded', 'failed'];

export interface PaymentRecord {
  /** Assigned by the store, increasing. */
  id: number;
  paymentHash: Uint8Array;
  idempotencyKey: string | null;
  destination: Uint8Array;
  amountMsat: bigint;
  feeMsat: bigint;
  status: PaymentStatus;
  preimage: Uint8Array | null;
  failureReason: string | null;
  createdAt: number;
  updatedAt: number;
  customRecords: CustomRecords;
}

export interface PaymentCreate {
  paymentHash: Uint8Array;
  idempotencyKey?: string | null;
  destination: Uint8Array;
  amountMsat: bigint;
  /** Defaults to 'in_flight'. */
  status?: PaymentStatus;
  customRecords?: CustomRecords;
  createdAt: number;
}

export interface PaymentUpdate {
  status: PaymentStatus;
  feeMsat?: bigint;
  preimage?: Uint8Array | null;
  failureReason?: string | null;
  updatedAt: number;
}

export interface PaymentRepository {
  /** `DuplicateError` (field 'paymentHash' or 'idempotencyKey') when either is taken. */
  create(payment: PaymentCreate): Promise<PaymentRecord>;
  get(id: number): Promise<PaymentRecord | undefined>;
  getByHash(paymentHash: Uint8Array): Promise<PaymentRecord | undefined>;
  getByIdempotencyKey(idempotencyKey: string): Promise<PaymentRecord | undefined>;
  /** Fields left undefined keep their value; `NotFoundError` for an unknown id. */
  update(id: number, patch: PaymentUpdate): Promise<PaymentRecord>;
  /** By id ascending, after the `afterId` cursor; `limit` defaults to 1000. */
  list(query?: { status?: PaymentStatus; afterId?: number; limit?: number }): Promise<PaymentRecord[]>;
}

export type AttemptStatus = 'in_flight' | 'succeeded' | 'failed';
export const ATTEMPT_STATUSES: readonly AttemptStatus[] = ['in_flight', 'succeeded', 'failed'];

export interface PaymentAttemptRecord {
  paymentId: number;
  attemptNumber: number;
  /** The route as JSON text, opaque to the store. */
  route: string;
  status: AttemptStatus;
  failingHop: number | null;
  failureCode: number | null;
  createdAt: number;
  updatedAt: number;
}

export interface PaymentAttemptCreate {
  paymentId: number;
  attemptNumber: number;
  route: string;
  /** Defaults to 'in_flight'. */
  status?: AttemptStatus;
  createdAt: number;
}

export interface PaymentAttemptUpdate {
  status: AttemptStatus;
  failingHop?: number | null;
  failureCode?: number | null;
  updatedAt: number;
}

export interface PaymentAttemptRepository {
  /** `DuplicateError` for a taken (paymentId, attemptNumber); `NotFoundError` for an unknown payment. */
  create(attempt: PaymentAttemptCreate): Promise<PaymentAttemptRecord>;
  update(
    paymentId: number,
    attemptNumber: number,
    patch: PaymentAttemptUpdate,
  ): Promise<PaymentAttemptRecord>;
  /** Ordered by attempt number. */
  list(paymentId: number): Promise<PaymentAttemptRecord[]>;
  /** Across payments, e.g. the attempts still in flight after a restart; by payment, then attempt. */
  listByStatus(status: AttemptStatus): Promise<PaymentAttemptRecord[]>;
}

// ---- invoices -------------------------------------------------------------------------------

export type InvoiceState = 'open' | 'accepted' | 'settled' | 'canceled' | 'expired';
export const INVOICE_STATES: readonly InvoiceState[] = ['open', 'accepted', 'settled', 'canceled', 'expired'];

export interface InvoiceRecord {
  paymentHash: Uint8Array;
  preimage: Uint8Array | null;
  /** null: any amount. */
  amountMsat: bigint | null;
  amountReceivedMsat: bigint;
  state: InvoiceState;
  keysend: boolean;
  bolt11: string | null;
  memo: string;
  createdAt: number;
  settledAt: number | null;
  expiresAt: number | null;
  /** 1, 2, 3, ... in insertion (commit) order, without gaps: a cursor for "invoice added" streams. */
  addIndex: number;
  /** Assigned the same way when the invoice becomes 'settled': a cursor for "settled" streams. */
  settleIndex: number | null;
  customRecords: CustomRecords;
}

export interface InvoiceCreate {
  paymentHash: Uint8Array;
  preimage: Uint8Array | null;
  amountMsat: bigint | null;
  keysend: boolean;
  bolt11?: string | null;
  memo?: string;
  /** Defaults to 'open'; an invoice created 'settled' gets its settleIndex at once. */
  state?: InvoiceState;
  amountReceivedMsat?: bigint;
  settledAt?: number | null;
  expiresAt: number | null;
  createdAt: number;
  customRecords?: CustomRecords;
}

export interface InvoiceUpdate {
  state: InvoiceState;
  amountReceivedMsat?: bigint;
  settledAt?: number | null;
  preimage?: Uint8Array | null;
  /** Replaces all records when given. */
  customRecords?: CustomRecords;
}

export interface InvoicePageQuery {
  /** Exclusive cursor: with 'asc' return addIndex > cursor, with 'desc' addIndex < cursor. */
  cursor?: number;
  order?: 'asc' | 'desc';
  /** Defaults to 1000. */
  limit?: number;
  state?: InvoiceState;
}

export interface InvoiceRepository {
  /** `DuplicateError` (field 'paymentHash') when an invoice for the hash exists. */
  insert(invoice: InvoiceCreate): Promise<InvoiceRecord>;
  get(paymentHash: Uint8Array): Promise<InvoiceRecord | undefined>;
  /** Fields left undefined keep their value; `NotFoundError` for an unknown hash. */
  update(paymentHash: Uint8Array, patch: InvoiceUpdate): Promise<InvoiceRecord>;
  list(query?: InvoicePageQuery): Promise<InvoiceRecord[]>;
  /** Invoices settled after `settleIndex` (exclusive), in settle order. */
  listSettledSince(settleIndex: number, limit?: number): Promise<InvoiceRecord[]>;
}

// ---- forwards -------------------------------------------------------------------------------

export type ForwardStatus = 'pending' | 'settled' | 'failed';
export const FORWARD_STATUSES: readonly ForwardStatus[] = ['pending', 'settled', 'failed'];

export interface ForwardRecord {
  id: number;
  paymentHash: Uint8Array;
  incomingChannelId: Uint8Array;
  incomingHtlcId: bigint;
  outgoingChannelId: Uint8Array;
  /** null until the HTLC is added to the outgoing channel. */
  outgoingHtlcId: bigint | null;
  incomingAmountMsat: bigint;
  outgoingAmountMsat: bigint;
  /** incomingAmountMsat - outgoingAmountMsat. */
  feeMsat: bigint;
  status: ForwardStatus;
  failureReason: string | null;
  createdAt: number;
  resolvedAt: number | null;
}

export interface ForwardCreate {
  paymentHash: Uint8Array;
  incomingChannelId: Uint8Array;
  incomingHtlcId: bigint;
  outgoingChannelId: Uint8Array;
  outgoingHtlcId?: bigint | null;
  incomingAmountMsat: bigint;
  outgoingAmountMsat: bigint;
  createdAt: number;
}

export interface ForwardUpdate {
  status: ForwardStatus;
  outgoingHtlcId?: bigint | null;
  failureReason?: string | null;
  resolvedAt?: number | null;
}

export interface ForwardRepository {
  /** `DuplicateError` (field 'incomingHtlc') when the incoming HTLC already has a forward. */
  create(forward: ForwardCreate): Promise<ForwardRecord>;
  get(id: number): Promise<ForwardRecord | undefined>;
  getByIncoming(incomingChannelId: Uint8Array, incomingHtlcId: bigint): Promise<ForwardRecord | undefined>;
  update(id: number, patch: ForwardUpdate): Promise<ForwardRecord>;
  /** By id ascending, after the `afterId` cursor; `limit` defaults to 1000. */
  list(query?: { status?: ForwardStatus; afterId?: number; limit?: number }): Promise<ForwardRecord[]>;
}

// ---- the store ------------------------------------------------------------------------------

/** The repositories, bound to one transaction (or, on `Store`, each call its own transaction). */
export interface StoreTx {
  kv(namespace: string): KvNamespace;
  readonly channels: ChannelRepository;
  readonly htlcs: HtlcRepository;
  readonly payments: PaymentRepository;
  readonly paymentAttempts: PaymentAttemptRepository;
  readonly invoices: InvoiceRepository;
  readonly forwards: ForwardRepository;
}

export type StoreBackend = 'sqlite' | 'postgres';

export interface Store extends StoreTx {
  readonly backend: StoreBackend;
  /**
   * Applies the pending schema migrations, all in one transaction; returns the versions applied
   * (empty when up to date). Safe to call on every start and from several processes at once.
   */
  migrate(): Promise<number[]>;
  /** The highest applied migration (0 for an empty database). */
  schemaVersion(): Promise<number>;
  /**
   * Runs `fn` in one serializable transaction: everything it wrote commits together when it
   * resolves, and nothing does when it throws. Calling the store (rather than `tx`) from inside
   * `fn` throws a StoreError 'nested_transaction'. On PostgreSQL `fn` is run again when the
   * database reports a serialization conflict, so it must not have effects outside `tx`.
   */
  transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T>;
  /**
   * Makes every committed transaction durable (on disk, surviving a power loss) before it returns.
   * A commit alone survives the process dying, not the machine: call this before anything that
   * depends on committed state leaves the process (a message to a peer, an API answer or event, a
   * broadcast transaction). One call covers every commit before it; with nothing committed since
   * the last call it costs nothing. A no-op on PostgreSQL, whose commits are durable. Throws a
   * StoreError 'io_error' if the disk fails, after which the store refuses all work.
   */
  flush(): void;
  /** Waits for running transactions, then releases the database. */
  close(): Promise<void>;
}
