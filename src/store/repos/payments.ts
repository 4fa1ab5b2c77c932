// src/store/repos/payments.ts: outgoing payments, unique by payment hash and idempotency key.
import { DuplicateError, NotFoundError } from '../errors.js';
import { bytes, int64, optional, pageLimit, rowReader, text, uint } from '../sql/codec.js';
import type { SqlExecutor, SqlRow, SqlValue } from '../sql/executor.js';
import { SetClause } from '../sql/patch.js';
import { PAYMENT_STATUSES, type PaymentRecord, type PaymentRepository } from '../types.js';
import { ownerKey, PAYMENT_RECORDS, readRecords, replaceRecords } from './custom-records.js';
import { oneOf } from './status.js';

type PaymentRow = Omit<PaymentRecord, 'customRecords'>;

function decode(row: SqlRow): PaymentRow {
  const r = rowReader(row, 'payments');
  return {
    id: r.number('id'),
    paymentHash: r.bytes('payment_hash'),
    idempotencyKey: r.textOrNull('idempotency_key'),
    destination: r.bytes('destination'),
    amountMsat: r.bigint('amount_msat'),
    feeMsat: r.bigint('fee_msat'),
    status: r.oneOf('status', PAYMENT_STATUSES),
    preimage: r.bytesOrNull('preimage'),
    failureReason: r.textOrNull('failure_reason'),
    createdAt: r.number('created_at'),
    updatedAt: r.number('updated_at'),
  };
}

const INSERT_SQL =
  'INSERT INTO payments (payment_hash, idempotency_key, destination, amount_msat, fee_msat, status, ' +
  'created_at, updated_at) VALUES (?, ?, ?, ?, 0, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id';

export function paymentRepository(db: SqlExecutor): PaymentRepository {
  const withRecords = async (rows: SqlRow[]): Promise<PaymentRecord[]> => {
    const payments = rows.map(decode);
    const records = await readRecords(
      db,
      PAYMENT_RECORDS,
      payments.map((p) => p.id),
    );
    return payments.map((p) => ({ ...p, customRecords: records.get(ownerKey(p.id)) ?? new Map() }));
  };
  const one = async (sql: string, params: SqlValue[]): Promise<PaymentRecord | undefined> =>
    (await withRecords(await db.query(sql, params)))[0];
  const get = (id: number): Promise<PaymentRecord | undefined> =>
    one('SELECT * FROM payments WHERE id = ?', [uint(id, 'id')]);
  const getByHash = (paymentHash: Uint8Array): Promise<PaymentRecord | undefined> =>
    one('SELECT * FROM payments WHERE payment_hash = ?', [bytes(paymentHash, 'paymentHash', 32)]);

  return {
    async create(payment) {
      const createdAt = uint(payment.createdAt, 'createdAt');
      const paymentHash = bytes(payment.paymentHash, 'paymentHash', 32);
      const rows = await db.query(INSERT_SQL, [
        paymentHash,
        optional(payment.idempotencyKey, (v) => text(v, 'idempotencyKey')),
        bytes(payment.destination, 'destination', 33),
        int64(payment.amountMsat, 'amountMsat'),
        oneOf(payment.status ?? 'in_flight', PAYMENT_STATUSES, 'status'),
        createdAt,
        createdAt,
      ]);
      const row = rows[0];
      if (row === undefined) {
        // Nothing inserted: say which unique key was taken.
        throw new DuplicateError(
          'payment',
          (await getByHash(paymentHash)) ? 'paymentHash' : 'idempotencyKey',
        );
      }
      const id = rowReader(row, 'payments').number('id');
      if (payment.customRecords !== undefined && payment.customRecords.size > 0)
        await replaceRecords(db, PAYMENT_RECORDS, id, payment.customRecords);
      return (await get(id))!;
    },
    get,
    getByHash,
    getByIdempotencyKey: (key) =>
      one('SELECT * FROM payments WHERE idempotency_key = ?', [text(key, 'idempotencyKey')]),
    async update(id, patch) {
      const set = new SetClause()
        .set('status', oneOf(patch.status, PAYMENT_STATUSES, 'status'))
        .set('updated_at', uint(patch.updatedAt, 'updatedAt'))
        .maybe('fee_msat', patch.feeMsat, (v) => int64(v, 'feeMsat'))
        .maybe('preimage', patch.preimage, (v) => bytes(v, 'preimage', 32))
        .maybe('failure_reason', patch.failureReason, (v) => text(v, 'failureReason'));
      const n = await db.execute(`UPDATE payments SET ${set} WHERE id = ?`, [...set.params, uint(id, 'id')]);
      if (n === 0) throw new NotFoundError('payment', `id ${id}`);
      return (await get(id))!;
    },
    async list(query = {}) {
      const params: SqlValue[] = [uint(query.afterId ?? 0, 'afterId')];
      let sql = 'SELECT * FROM payments WHERE id > ?';
      if (query.status !== undefined) {
        sql += ' AND status = ?';
        params.push(oneOf(query.status, PAYMENT_STATUSES, 'status'));
      }
      params.push(pageLimit(query.limit));
      return withRecords(await db.query(`${sql} ORDER BY id LIMIT ?`, params));
    },
  };
}
