// src/store/repos/htlcs.ts: HTLCs of a channel, in either direction, keyed by the BOLT 2 `id`.
import { NotFoundError } from '../errors.js';
import { bytes, int64, optional, rowReader, text, u64, uint } from '../sql/codec.js';
import type { SqlExecutor, SqlRow, SqlValue } from '../sql/executor.js';
import type { HtlcDirection, HtlcRecord, HtlcRepository } from '../types.js';
import { oneOf } from './status.js';

const DIRECTIONS: readonly HtlcDirection[] = ['offered', 'received'];
const U32_MAX = 0xffff_ffff;

function decode(row: SqlRow): HtlcRecord {
  const r = rowReader(row, 'htlcs');
  return {
    channelId: r.bytes('channel_id'),
    direction: r.oneOf('direction', DIRECTIONS),
    htlcId: r.u64('htlc_id'),
    paymentHash: r.bytes('payment_hash'),
    amountMsat: r.bigint('amount_msat'),
    cltvExpiry: r.number('cltv_expiry'),
    state: r.text('state'),
    onion: r.bytesOrNull('onion'),
    preimage: r.bytesOrNull('preimage'),
    failure: r.bytesOrNull('failure'),
    createdAt: r.number('created_at'),
    updatedAt: r.number('updated_at'),
  };
}

function key(channelId: Uint8Array, dir: HtlcDirection, htlcId: bigint): SqlValue[] {
  return [bytes(channelId, 'channelId', 32), oneOf(dir, DIRECTIONS, 'direction'), u64(htlcId, 'htlcId')];
}

const UPSERT_SQL =
  'INSERT INTO htlcs (channel_id, direction, htlc_id, payment_hash, amount_msat, cltv_expiry, state, ' +
  'onion, preimage, failure, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ' +
  'ON CONFLICT (channel_id, direction, htlc_id) DO UPDATE SET payment_hash = excluded.payment_hash, ' +
  'amount_msat = excluded.amount_msat, cltv_expiry = excluded.cltv_expiry, state = excluded.state, ' +
  'onion = excluded.onion, preimage = excluded.preimage, failure = excluded.failure, ' +
  'updated_at = excluded.updated_at RETURNING *';

export function htlcRepository(db: SqlExecutor): HtlcRepository {
  return {
    async upsert(htlc) {
      const k = key(htlc.channelId, htlc.direction, htlc.htlcId);
      // Checked here rather than left to the foreign key: a constraint error would abort a
      // PostgreSQL transaction, while a typed error leaves it usable on both backends.
      const owner = await db.query('SELECT 1 AS one FROM channels WHERE channel_id = ?', [htlc.channelId]);
      if (owner.length === 0) throw new NotFoundError('channel', 'for this htlc');
      const updatedAt = uint(htlc.updatedAt, 'updatedAt');
      const rows = await db.query(UPSERT_SQL, [
        ...k,
        bytes(htlc.paymentHash, 'paymentHash', 32),
        int64(htlc.amountMsat, 'amountMsat'),
        uint(htlc.cltvExpiry, 'cltvExpiry', U32_MAX),
        text(htlc.state, 'state'),
        optional(htlc.onion, (v) => bytes(v, 'onion')),
        optional(htlc.preimage, (v) => bytes(v, 'preimage', 32)),
        optional(htlc.failure, (v) => bytes(v, 'failure')),
        updatedAt,
        updatedAt,
      ]);
      return decode(rows[0]!);
    },
    async get(channelId, dir, htlcId) {
      const rows = await db.query(
        'SELECT * FROM htlcs WHERE channel_id = ? AND direction = ? AND htlc_id = ?',
        key(channelId, dir, htlcId),
      );
      return rows[0] === undefined ? undefined : decode(rows[0]);
    },
    async listByChannel(channelId, filter = {}) {
      const params: SqlValue[] = [bytes(channelId, 'channelId', 32)];
      let sql = 'SELECT * FROM htlcs WHERE channel_id = ?';
      if (filter.state !== undefined) {
        sql += ' AND state = ?';
        params.push(text(filter.state, 'state'));
      }
      const rows = await db.query(`${sql} ORDER BY direction, htlc_id`, params);
      // htlc ids >= 2^63 are stored negative; order in JS to keep u64 order.
      return rows.map(decode).sort((a, b) => cmp(a.direction, b.direction) || cmp(a.htlcId, b.htlcId));
    },
    async findByPaymentHash(paymentHash) {
      const rows = await db.query(
        'SELECT * FROM htlcs WHERE payment_hash = ? ORDER BY created_at, channel_id, direction, htlc_id',
        [bytes(paymentHash, 'paymentHash', 32)],
      );
      return rows.map(decode);
    },
    async delete(channelId, dir, htlcId) {
      const n = await db.execute(
        'DELETE FROM htlcs WHERE channel_id = ? AND direction = ? AND htlc_id = ?',
        key(channelId, dir, htlcId),
      );
      return n > 0;
    },
  };
}

function cmp<T extends string | bigint>(a: T, b: T): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
