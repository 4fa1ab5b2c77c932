// src/store/repos/invoices.ts: the invoice registry's table: BOLT 11 and ad-hoc keysend invoices.
import { DuplicateError, NotFoundError } from '../errors.js';
import { bytes, int64, optional, pageLimit, rowReader, text, uint } from '../sql/codec.js';
import type { SqlExecutor, SqlRow, SqlValue } from '../sql/executor.js';
import { SetClause } from '../sql/patch.js';
import { INVOICE_STATES, type InvoiceRecord, type InvoiceRepository } from '../types.js';
import { nextCounter } from './counters.js';
import { INVOICE_RECORDS, ownerKey, readRecords, replaceRecords } from './custom-records.js';
import { oneOf } from './status.js';

type InvoiceRow = Omit<InvoiceRecord, 'customRecords'>;

function decode(row: SqlRow): InvoiceRow {
  const r = rowReader(row, 'invoices');
  return {
    paymentHash: r.bytes('payment_hash'),
    preimage: r.bytesOrNull('preimage'),
    amountMsat: r.bigintOrNull('amount_msat'),
    amountReceivedMsat: r.bigint('amount_received_msat'),
    state: r.oneOf('state', INVOICE_STATES),
    keysend: r.bool('keysend'),
    bolt11: r.textOrNull('bolt11'),
    memo: r.text('memo'),
    createdAt: r.number('created_at'),
    settledAt: r.numberOrNull('settled_at'),
    expiresAt: r.numberOrNull('expires_at'),
    addIndex: r.number('add_index'),
    settleIndex: r.numberOrNull('settle_index'),
  };
}

const INSERT_SQL =
  'INSERT INTO invoices (payment_hash, preimage, amount_msat, amount_received_msat, state, keysend, bolt11, ' +
  'memo, created_at, settled_at, expires_at, add_index, settle_index) ' +
  'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';

export function invoiceRepository(db: SqlExecutor): InvoiceRepository {
  const withRecords = async (rows: SqlRow[]): Promise<InvoiceRecord[]> => {
    const invoices = rows.map(decode);
    const records = await readRecords(
      db,
      INVOICE_RECORDS,
      invoices.map((i) => i.paymentHash),
    );
    return invoices.map((i) => ({ ...i, customRecords: records.get(ownerKey(i.paymentHash)) ?? new Map() }));
  };
  const get = async (paymentHash: Uint8Array): Promise<InvoiceRecord | undefined> => {
    const rows = await db.query('SELECT * FROM invoices WHERE payment_hash = ?', [
      bytes(paymentHash, 'paymentHash', 32),
    ]);
    return (await withRecords(rows))[0];
  };

  return {
    async insert(invoice) {
      const paymentHash = bytes(invoice.paymentHash, 'paymentHash', 32);
      const state = oneOf(invoice.state ?? 'open', INVOICE_STATES, 'state');
      const values: SqlValue[] = [
        paymentHash,
        optional(invoice.preimage, (v) => bytes(v, 'preimage', 32)),
        optional(invoice.amountMsat, (v) => int64(v, 'amountMsat')),
        int64(invoice.amountReceivedMsat ?? 0n, 'amountReceivedMsat'),
        state,
        invoice.keysend === true,
        optional(invoice.bolt11, (v) => text(v, 'bolt11')),
        text(invoice.memo ?? '', 'memo'),
        uint(invoice.createdAt, 'createdAt'),
        optional(invoice.settledAt, (v) => uint(v, 'settledAt')),
        optional(invoice.expiresAt, (v) => uint(v, 'expiresAt')),
      ];
      // Look first, then take an index: a failed insert must not consume one. (On PostgreSQL a
      // concurrent insert of the same hash after this check is a serialization failure, retried.)
      const existing = await db.query('SELECT 1 AS one FROM invoices WHERE payment_hash = ?', [paymentHash]);
      if (existing.length > 0) throw new DuplicateError('invoice', 'paymentHash');
      const addIndex = await nextCounter(db, 'invoice_add');
      const settleIndex = state === 'settled' ? await nextCounter(db, 'invoice_settle') : null;
      await db.execute(INSERT_SQL, [...values, addIndex, settleIndex]);
      if (invoice.customRecords !== undefined && invoice.customRecords.size > 0)
        await replaceRecords(db, INVOICE_RECORDS, paymentHash, invoice.customRecords);
      return (await get(paymentHash))!;
    },
    get,
    async update(paymentHash, patch) {
      const hash = bytes(paymentHash, 'paymentHash', 32);
      const state = oneOf(patch.state, INVOICE_STATES, 'state');
      const rows = await db.query('SELECT settle_index FROM invoices WHERE payment_hash = ?', [hash]);
      if (rows[0] === undefined) throw new NotFoundError('invoice', 'for this payment hash');
      const set = new SetClause()
        .set('state', state)
        .maybe('amount_received_msat', patch.amountReceivedMsat, (v) => int64(v, 'amountReceivedMsat'))
        .maybe('settled_at', patch.settledAt, (v) => uint(v, 'settledAt'))
        .maybe('preimage', patch.preimage, (v) => bytes(v, 'preimage', 32));
      // The settle index is taken once, by the first transition to 'settled'.
      if (state === 'settled' && rowReader(rows[0], 'invoices').numberOrNull('settle_index') === null)
        set.set('settle_index', await nextCounter(db, 'invoice_settle'));
      await db.execute(`UPDATE invoices SET ${set} WHERE payment_hash = ?`, [...set.params, hash]);
      if (patch.customRecords !== undefined)
        await replaceRecords(db, INVOICE_RECORDS, hash, patch.customRecords);
      return (await get(hash))!;
    },
    async list(query = {}) {
      const desc = query.order === 'desc';
      const params: SqlValue[] = [];
      const where: string[] = [];
      if (query.cursor !== undefined) {
        where.push(desc ? 'add_index < ?' : 'add_index > ?');
        params.push(uint(query.cursor, 'cursor'));
      }
      if (query.state !== undefined) {
        where.push('state = ?');
        params.push(oneOf(query.state, INVOICE_STATES, 'state'));
      }
      params.push(pageLimit(query.limit));
      const clause = where.length === 0 ? '' : `WHERE ${where.join(' AND ')} `;
      const rows = await db.query(
        `SELECT * FROM invoices ${clause}ORDER BY add_index ${desc ? 'DESC' : 'ASC'} LIMIT ?`,
        params,
      );
      return withRecords(rows);
    },
    async listSettledSince(settleIndex, limit) {
      const rows = await db.query(
        'SELECT * FROM invoices WHERE settle_index > ? ORDER BY settle_index LIMIT ?',
        [uint(settleIndex, 'settleIndex'), pageLimit(limit)],
      );
      return withRecords(rows);
    },
  };
}
