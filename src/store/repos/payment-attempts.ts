// src/store/repos/payment-attempts.ts: the routes tried for a payment, numbered per payment.
import { DuplicateError, NotFoundError } from '../errors.js';
import { rowReader, text, uint } from '../sql/codec.js';
import type { SqlExecutor, SqlRow } from '../sql/executor.js';
import { SetClause } from '../sql/patch.js';
import { ATTEMPT_STATUSES, type PaymentAttemptRecord, type PaymentAttemptRepository } from '../types.js';
import { oneOf } from './status.js';

const U16_MAX = 0xffff;

function decode(row: SqlRow): PaymentAttemptRecord {
  const r = rowReader(row, 'payment_attempts');
  return {
    paymentId: r.number('payment_id'),
    attemptNumber: r.number('attempt_number'),
    route: r.text('route'),
    status: r.oneOf('status', ATTEMPT_STATUSES),
    failingHop: r.numberOrNull('failing_hop'),
    failureCode: r.numberOrNull('failure_code'),
    createdAt: r.number('created_at'),
    updatedAt: r.number('updated_at'),
  };
}

const INSERT_SQL =
  'INSERT INTO payment_attempts (payment_id, attempt_number, route, status, created_at, updated_at) ' +
  'VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING *';

export function paymentAttemptRepository(db: SqlExecutor): PaymentAttemptRepository {
  return {
    async create(attempt) {
      const paymentId = uint(attempt.paymentId, 'paymentId');
      const createdAt = uint(attempt.createdAt, 'createdAt');
      // A typed error instead of a foreign-key violation, which would abort a PostgreSQL transaction.
      const owner = await db.query('SELECT 1 AS one FROM payments WHERE id = ?', [paymentId]);
      if (owner.length === 0) throw new NotFoundError('payment', `id ${paymentId}`);
      const rows = await db.query(INSERT_SQL, [
        paymentId,
        uint(attempt.attemptNumber, 'attemptNumber', 0x7fff_ffff),
        text(attempt.route, 'route'),
        oneOf(attempt.status ?? 'in_flight', ATTEMPT_STATUSES, 'status'),
        createdAt,
        createdAt,
      ]);
      if (rows[0] === undefined) throw new DuplicateError('payment attempt', 'attemptNumber');
      return decode(rows[0]);
    },
    async update(paymentId, attemptNumber, patch) {
      const set = new SetClause()
        .set('status', oneOf(patch.status, ATTEMPT_STATUSES, 'status'))
        .set('updated_at', uint(patch.updatedAt, 'updatedAt'))
        // BOLT 4 failure codes are u16; hops are indexes into the route.
        .maybe('failing_hop', patch.failingHop, (v) => uint(v, 'failingHop', U16_MAX))
        .maybe('failure_code', patch.failureCode, (v) => uint(v, 'failureCode', U16_MAX));
      const rows = await db.query(
        `UPDATE payment_attempts SET ${set} WHERE payment_id = ? AND attempt_number = ? RETURNING *`,
        [...set.params, uint(paymentId, 'paymentId'), uint(attemptNumber, 'attemptNumber')],
      );
      if (rows[0] === undefined) throw new NotFoundError('payment attempt', `${paymentId}/${attemptNumber}`);
      return decode(rows[0]);
    },
    async list(paymentId) {
      const rows = await db.query(
        'SELECT * FROM payment_attempts WHERE payment_id = ? ORDER BY attempt_number',
        [uint(paymentId, 'paymentId')],
      );
      return rows.map(decode);
    },
    async listByStatus(status) {
      const rows = await db.query(
        'SELECT * FROM payment_attempts WHERE status = ? ORDER BY payment_id, attempt_number',
        [oneOf(status, ATTEMPT_STATUSES, 'status')],
      );
      return rows.map(decode);
    },
  };
}
