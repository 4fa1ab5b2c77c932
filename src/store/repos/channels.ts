// src/store/repos/channels.ts: the persisted channel record with optimistic concurrency.
import { VersionConflictError } from '../errors.js';
import { bytes, int64, optional, rowReader, text, u64, uint } from '../sql/codec.js';
import type { SqlExecutor, SqlRow, SqlValue } from '../sql/executor.js';
import type { ChannelRecord, ChannelRepository, ChannelWrite } from '../types.js';

const U32_MAX = 0xffff_ffff;

function decode(row: SqlRow): ChannelRecord {
  const r = rowReader(row, 'channels');
  return {
    channelId: r.bytes('channel_id'),
    peerNodeId: r.bytes('peer_node_id'),
    shortChannelId: r.u64OrNull('short_channel_id'),
    state: r.text('state'),
    fundingTxid: r.bytes('funding_txid'),
    fundingOutputIndex: r.number('funding_output_index'),
    capacitySat: r.bigint('capacity_sat'),
    localBalanceMsat: r.bigint('local_balance_msat'),
    remoteBalanceMsat: r.bigint('remote_balance_msat'),
    data: r.bytes('data'),
    version: r.number('version'),
    createdAt: r.number('created_at'),
    updatedAt: r.number('updated_at'),
  };
}

/** The mutable columns, in the order of MUTABLE_COLUMNS. */
function encode(ch: ChannelWrite): SqlValue[] {
  return [
    bytes(ch.peerNodeId, 'peerNodeId', 33),
    optional(ch.shortChannelId, (v) => u64(v, 'shortChannelId')),
    text(ch.state, 'state'),
    bytes(ch.fundingTxid, 'fundingTxid', 32),
    uint(ch.fundingOutputIndex, 'fundingOutputIndex', U32_MAX),
    int64(ch.capacitySat, 'capacitySat'),
    int64(ch.localBalanceMsat, 'localBalanceMsat'),
    int64(ch.remoteBalanceMsat, 'remoteBalanceMsat'),
    bytes(ch.data, 'data'),
    uint(ch.updatedAt, 'updatedAt'),
  ];
}

const MUTABLE_COLUMNS = [
  'peer_node_id',
  'short_channel_id',
  'state',
  'funding_txid',
  'funding_output_index',
  'capacity_sat',
  'local_balance_msat',
  'remote_balance_msat',
  'data',
  'updated_at',
] as const;

/**
 * A write reads back only what the store assigns: the rest of the record is what was written
 * (the state blob, tens of kilobytes with HTLCs in flight, is not copied back out on every step).
 */
const STORE_ASSIGNED = 'version, created_at';

const INSERT_SQL =
  `INSERT INTO channels (channel_id, ${MUTABLE_COLUMNS.join(', ')}, version, created_at) ` +
  `VALUES (?, ${MUTABLE_COLUMNS.map(() => '?').join(', ')}, 1, ?) ON CONFLICT (channel_id) DO NOTHING RETURNING ${STORE_ASSIGNED}`;

const UPDATE_SQL =
  `UPDATE channels SET ${MUTABLE_COLUMNS.map((c) => `${c} = ?`).join(', ')}, version = version + 1 ` +
  `WHERE channel_id = ? AND version = ? RETURNING ${STORE_ASSIGNED}`;

export function channelRepository(db: SqlExecutor): ChannelRepository {
  const get = async (channelId: Uint8Array): Promise<ChannelRecord | undefined> => {
    const rows = await db.query('SELECT * FROM channels WHERE channel_id = ?', [
      bytes(channelId, 'channelId', 32),
    ]);
    return rows[0] === undefined ? undefined : decode(rows[0]);
  };
  return {
    get,
    async getByShortChannelId(shortChannelId) {
      const rows = await db.query(
        'SELECT * FROM channels WHERE short_channel_id = ? ORDER BY created_at, channel_id LIMIT 1',
        [u64(shortChannelId, 'shortChannelId')],
      );
      return rows[0] === undefined ? undefined : decode(rows[0]);
    },
    async list(filter = {}) {
      const where: string[] = [];
      const params: SqlValue[] = [];
      if (filter.state !== undefined) {
        where.push('state = ?');
        params.push(text(filter.state, 'state'));
      }
      if (filter.peerNodeId !== undefined) {
        where.push('peer_node_id = ?');
        params.push(bytes(filter.peerNodeId, 'peerNodeId', 33));
      }
      const clause = where.length === 0 ? '' : `WHERE ${where.join(' AND ')} `;
      const rows = await db.query(`SELECT * FROM channels ${clause}ORDER BY created_at, channel_id`, params);
      return rows.map(decode);
    },
    async upsert(channel, expectedVersion) {
      uint(expectedVersion, 'expectedVersion');
      const channelId = bytes(channel.channelId, 'channelId', 32);
      const values = encode(channel);
      const rows =
        expectedVersion === 0
          ? await db.query(INSERT_SQL, [channelId, ...values, channel.updatedAt])
          : await db.query(UPDATE_SQL, [...values, channelId, expectedVersion]);
      if (rows[0] !== undefined) {
        const r = rowReader(rows[0], 'channels');
        return {
          ...channel,
          version: r.number('version'),
          createdAt: r.number('created_at'),
        };
      }
      const actual = (await get(channelId))?.version ?? 0;
      throw new VersionConflictError('channel', expectedVersion, actual);
    },
  };
}
