// src/store/repos/kv.ts: namespaced key-value pairs (wallet state, node settings, small blobs).
import { StoreError } from '../errors.js';
import { bytes, rowReader, text } from '../sql/codec.js';
import type { SqlExecutor } from '../sql/executor.js';
import type { KvEntry, KvNamespace } from '../types.js';

export function kvNamespace(db: SqlExecutor, namespace: string): KvNamespace {
  const ns = text(namespace, 'kv namespace');
  if (ns === '') throw new StoreError('invalid_argument', 'kv namespace: expected a non-empty name');
  return {
    async get(key) {
      const rows = await db.query('SELECT value FROM kv WHERE namespace = ? AND key = ?', [
        ns,
        text(key, 'key'),
      ]);
      const row = rows[0];
      return row === undefined ? undefined : rowReader(row, 'kv').bytes('value');
    },
    async put(key, value) {
      await db.execute(
        'INSERT INTO kv (namespace, key, value) VALUES (?, ?, ?) ' +
          'ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value',
        [ns, text(key, 'key'), bytes(value, 'value')],
      );
    },
    async delete(key) {
      return (await db.execute('DELETE FROM kv WHERE namespace = ? AND key = ?', [ns, text(key, 'key')])) > 0;
    },
    async list(prefix = '') {
      // substr counts characters (code points) in both dialects; keys are ordered by code point
      // (SQLite's BINARY collation, PostgreSQL's "C" collation on this column).
      const rows = await db.query(
        'SELECT key, value FROM kv WHERE namespace = ? AND substr(key, 1, ?) = ? ORDER BY key',
        [ns, [...text(prefix, 'prefix')].length, prefix],
      );
      return rows.map((row): KvEntry => {
        const r = rowReader(row, 'kv');
        return { key: r.text('key'), value: r.bytes('value') };
      });
    },
  };
}
