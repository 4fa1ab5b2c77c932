// src/store/repos/custom-records.ts: TLV records kept in a child table of payments or invoices.
import { bytesToHex } from '../../crypto/index.js';
import { bytes, rowReader, u64 } from '../sql/codec.js';
import type { SqlExecutor, SqlValue } from '../sql/executor.js';
import type { CustomRecords } from '../types.js';

/** The two owners of custom records; table and column names are constants, never input. */
export type RecordTable =
  | { table: 'payment_records'; owner: 'payment_id' }
  | { table: 'invoice_records'; owner: 'payment_hash' };

export const PAYMENT_RECORDS: RecordTable = { table: 'payment_records', owner: 'payment_id' };
export const INVOICE_RECORDS: RecordTable = { table: 'invoice_records', owner: 'payment_hash' };

/** Encodes values into the same string the read side uses as a map key. */
export function ownerKey(owner: SqlValue): string {
  return owner instanceof Uint8Array ? bytesToHex(owner) : String(owner);
}

export async function replaceRecords(
  db: SqlExecutor,
  t: RecordTable,
  owner: SqlValue,
  records: CustomRecords,
): Promise<void> {
  await db.execute(`DELETE FROM ${t.table} WHERE ${t.owner} = ?`, [owner]);
  for (const [type, value] of records) {
    await db.execute(`INSERT INTO ${t.table} (${t.owner}, type, value) VALUES (?, ?, ?)`, [
      owner,
      u64(type, 'custom record type'),
      bytes(value, 'custom record value'),
    ]);
  }
}

const CHUNK = 500;

/** Records of many owners in few queries; every owner gets a (possibly empty) map, sorted by type. */
export async function readRecords(
  db: SqlExecutor,
  t: RecordTable,
  owners: readonly SqlValue[],
): Promise<Map<string, CustomRecords>> {
  const found = new Map<string, Array<[bigint, Uint8Array]>>();
  for (const o of owners) found.set(ownerKey(o), []);
  for (let i = 0; i < owners.length; i += CHUNK) {
    const chunk = owners.slice(i, i + CHUNK);
    const rows = await db.query(
      `SELECT ${t.owner} AS owner, type, value FROM ${t.table} WHERE ${t.owner} IN (${chunk.map(() => '?').join(', ')})`,
      chunk,
    );
    for (const row of rows) {
      const r = rowReader(row, t.table);
      const key = t.owner === 'payment_hash' ? ownerKey(r.bytes('owner')) : ownerKey(r.number('owner'));
      found.get(key)?.push([r.u64('type'), r.bytes('value')]);
    }
  }
  const out = new Map<string, CustomRecords>();
  for (const [key, list] of found) {
    // Sorted here, not in SQL: types >= 2^63 are stored as negative integers (see codec u64).
    list.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    out.set(key, new Map(list));
  }
  return out;
}
