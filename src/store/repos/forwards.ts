// src/store/repos/forwards.ts: the forwarding history, one row per incoming HTLC we forwarded.
import { DuplicateError, NotFoundError, StoreError } from '../errors.js';
import { bytes, int64, optional, pageLimit, rowReader, text, u64, uint } from '../sql/codec.js';
import type { SqlExecutor, SqlRow, SqlValue } from '../sql/executor.js';
import { SetClause } from '../sql/patch.js';
import { FORWARD_STATUSES, type ForwardRecord, type ForwardRepository } from '../types.js';
import { oneOf } from './status.js';

function decode(row: SqlRow): ForwardRecord {
  const r = rowReader(row, 'forwards');
  return {
    id: r.number('id'),
    paymentHash: r.bytes('payment_hash'),
    incomingChannelId: r.bytes('incoming_channel_id'),
    incomingHtlcId: r.u64('incoming_htlc_id'),
    outgoingChannelId: r.bytes('outgoing_channel_id'),
    outgoingHtlcId: r.u64OrNull('outgoing_htlc_id'),
    incomingAmountMsat: r.bigint('incoming_amount_msat'),
    outgoingAmountMsat: r.bigint('outgoing_amount_msat'),
    feeMsat: r.bigint('fee_msat'),
    status: r.oneOf('status', FORWARD_STATUSES),
    failureReason: r.textOrNull('failure_reason'),
    createdAt: r.number('created_at'),
    resolvedAt: r.numberOrNull('resolved_at'),
  };
}

const INSERT_SQL =
  'INSERT INTO forwards (payment_hash, incoming_channel_id, incoming_htlc_id, outgoing_channel_id, ' +
  'outgoing_htlc_id, incoming_amount_msat, outgoing_amount_msat, fee_msat, status, created_at) ' +
  "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?) ON CONFLICT DO NOTHING RETURNING *";

export function forwardRepository(db: SqlExecutor): ForwardRepository {
  const one = async (sql: string, params: SqlValue[]): Promise<ForwardRecord | undefined> => {
    const rows = await db.query(sql, params);
    return rows[0] === undefined ? undefined : decode(rows[0]);
  };
  return {
    async create(forward) {
      const incoming = int64(forward.incomingAmountMsat, 'incomingAmountMsat');
      const outgoing = int64(forward.outgoingAmountMsat, 'outgoingAmountMsat');
      if (outgoing > incoming)
        throw new StoreError(
          'out_of_range',
          'outgoingAmountMsat exceeds incomingAmountMsat: forwarding would cost the node money',
        );
      const row = await one(INSERT_SQL, [
        bytes(forward.paymentHash, 'paymentHash', 32),
        bytes(forward.incomingChannelId, 'incomingChannelId', 32),
        u64(forward.incomingHtlcId, 'incomingHtlcId'),
        bytes(forward.outgoingChannelId, 'outgoingChannelId', 32),
        optional(forward.outgoingHtlcId, (v) => u64(v, 'outgoingHtlcId')),
        incoming,
        outgoing,
        incoming - outgoing,
        uint(forward.createdAt, 'createdAt'),
      ]);
      if (row === undefined) throw new DuplicateError('forward', 'incomingHtlc');
      return row;
    },
    get: (id) => one('SELECT * FROM forwards WHERE id = ?', [uint(id, 'id')]),
    getByIncoming: (channelId, htlcId) =>
      one('SELECT * FROM forwards WHERE incoming_channel_id = ? AND incoming_htlc_id = ?', [
        bytes(channelId, 'incomingChannelId', 32),
        u64(htlcId, 'incomingHtlcId'),
      ]),
    async update(id, patch) {
      const set = new SetClause()
        .set('status', oneOf(patch.status, FORWARD_STATUSES, 'status'))
        .maybe('outgoing_htlc_id', patch.outgoingHtlcId, (v) => u64(v, 'outgoingHtlcId'))
        .maybe('failure_reason', patch.failureReason, (v) => text(v, 'failureReason'))
        .maybe('resolved_at', patch.resolvedAt, (v) => uint(v, 'resolvedAt'));
      const row = await one(`UPDATE forwards SET ${set} WHERE id = ? RETURNING *`, [
        ...set.params,
        uint(id, 'id'),
      ]);
      if (row === undefined) throw new NotFoundError('forward', `id ${id}`);
      return row;
    },
    async list(query = {}) {
      const params: SqlValue[] = [uint(query.afterId ?? 0, 'afterId')];
      let sql = 'SELECT * FROM forwards WHERE id > ?';
      if (query.status !== undefined) {
        sql += ' AND status = ?';
        params.push(oneOf(query.status, FORWARD_STATUSES, 'status'));
      }
      params.push(pageLimit(query.limit));
      const rows = await db.query(`${sql} ORDER BY id LIMIT ?`, params);
      return rows.map(decode);
    },
  };
}
