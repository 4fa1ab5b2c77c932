// test/store/codec.test.ts: the value checks at the SQL edge, and placeholder rewriting.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { toPostgresPlaceholders } from '../../src/store/postgres/executor.js';
import { int64, pageLimit, rowReader, text, u64, uint } from '../../src/store/sql/codec.js';

const U64_MAX = (1n << 64n) - 1n;

test('u64: every value maps to a distinct signed 64-bit integer and back', () => {
  assert.equal(u64(0n, 'x'), 0n);
  assert.equal(u64((1n << 63n) - 1n, 'x'), (1n << 63n) - 1n);
  assert.equal(u64(1n << 63n, 'x'), -(1n << 63n));
  assert.equal(u64(U64_MAX, 'x'), -1n);
  assert.throws(() => u64(U64_MAX + 1n, 'x'), { code: 'out_of_range' });
  assert.throws(() => u64(-1n, 'x'), { code: 'out_of_range' });
  fc.assert(
    fc.property(fc.bigInt({ min: 0n, max: U64_MAX }), (v) => {
      const stored = u64(v, 'x');
      assert.ok(stored >= -(1n << 63n) && stored < 1n << 63n);
      assert.equal(rowReader({ c: stored }, 't').u64('c'), v);
      assert.equal(rowReader({ c: stored.toString() }, 't').u64('c'), v); // PostgreSQL's text form
    }),
    { numRuns: 200 },
  );
});

test('int64, uint, text, pageLimit: refuse what a database would wrap, round or alter', () => {
  assert.equal(int64((1n << 63n) - 1n, 'a'), (1n << 63n) - 1n);
  assert.throws(() => int64(1n << 63n, 'amountMsat'), /amountMsat: expected a bigint in 0\.\.2\^63-1/);
  assert.throws(() => int64(-1n, 'a'), { code: 'out_of_range' });
  assert.throws(() => int64(5 as unknown as bigint, 'a'), { code: 'out_of_range' });
  assert.equal(uint(0, 'h'), 0);
  assert.throws(() => uint(-1, 'h'), { code: 'out_of_range' });
  assert.throws(() => uint(2 ** 53, 'h'), { code: 'out_of_range' });
  assert.throws(() => uint(70_000, 'h', 0xffff), { code: 'out_of_range' });
  assert.equal(text('é😀', 't'), 'é😀');
  assert.throws(() => text('a\0', 't'), { code: 'invalid_argument' });
  assert.throws(() => text('\uDC00x', 't'), { code: 'invalid_argument' });
  assert.equal(pageLimit(undefined), 1000);
  assert.equal(pageLimit(7), 7);
  assert.throws(() => pageLimit(0), { code: 'out_of_range' });
  assert.throws(() => pageLimit(1.5), { code: 'out_of_range' });
});

test('rowReader: accepts both drivers’ shapes and reports foreign values as corrupt rows', () => {
  const r = rowReader(
    { a: 5n, b: '7', c: 9, blob: Buffer.from([1, 2]), t: true, f: 0n, s: 'open', n: null },
    'invoices',
  );
  assert.equal(r.bigint('a'), 5n);
  assert.equal(r.bigint('b'), 7n);
  assert.equal(r.number('c'), 9);
  const bytes = r.bytes('blob');
  assert.ok(!Buffer.isBuffer(bytes));
  assert.deepEqual(bytes, new Uint8Array([1, 2]));
  assert.equal(r.bool('t'), true);
  assert.equal(r.bool('f'), false);
  assert.equal(r.oneOf('s', ['open', 'settled']), 'open');
  assert.equal(r.bytesOrNull('n'), null);
  assert.throws(() => r.bytes('n'), { code: 'corrupt_row', message: /invoices\.n: expected bytes/ });
  assert.throws(() => r.oneOf('s', ['settled']), { code: 'corrupt_row' });
  assert.throws(() => r.bigint('s'), { code: 'corrupt_row' });
  assert.throws(() => r.bool('a'), { code: 'corrupt_row' });
  assert.throws(() => rowReader({ big: 1n << 60n }, 't').number('big'), { code: 'corrupt_row' });
});

test('placeholders: ? becomes $n outside quoted literals and identifiers', () => {
  assert.equal(
    toPostgresPlaceholders(`SELECT "a?b", 'it''s?' FROM t WHERE x = ? AND y IN (?, ?)`),
    `SELECT "a?b", 'it''s?' FROM t WHERE x = $1 AND y IN ($2, $3)`,
  );
  assert.equal(toPostgresPlaceholders('SELECT 1'), 'SELECT 1');
});
