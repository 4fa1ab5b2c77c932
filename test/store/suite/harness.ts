// test/store/suite/harness.ts: runs one suite case against a fresh, migrated database.
import assert from 'node:assert/strict';
import { StoreError, type StoreErrorCode } from '../../../src/store/index.js';
import type { Store } from '../../../src/store/types.js';
import type { TestBackend, TestDatabase } from '../backends.js';

export async function withStore(
  backend: TestBackend,
  fn: (store: Store, db: TestDatabase) => Promise<void>,
): Promise<void> {
  const db = await backend.fresh();
  try {
    const store = await db.open();
    assert.deepEqual(await store.migrate(), [1, 2]);
    await fn(store, db);
  } finally {
    await db.cleanup();
  }
}

/** Asserts that `p` rejects with a StoreError of this code (and class, when given). */
export async function rejectsWith(
  p: Promise<unknown>,
  code: StoreErrorCode,
  cls: abstract new (...args: never[]) => StoreError = StoreError,
): Promise<StoreError> {
  let caught: unknown;
  await assert.rejects(p, (e) => {
    caught = e;
    return true;
  });
  assert.ok(caught instanceof cls, `expected ${cls.name}, got ${String(caught)}`);
  assert.equal((caught as StoreError).code, code);
  return caught as StoreError;
}

/** Code-point order, as both databases order text keys. */
export function byCodePoint(a: string, b: string): number {
  const x = [...a].map((c) => c.codePointAt(0)!);
  const y = [...b].map((c) => c.codePointAt(0)!);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}
