// src/store/store.ts: the Store both backends share: nesting checks, closing, per-call transactions.
// A backend contributes only BEGIN/COMMIT/ROLLBACK around a callback and its SQL executor.
import { AsyncLocalStorage } from 'node:async_hooks';
import { StoreError } from './errors.js';
import { appliedVersions, applyMigrations, type MigrationPlan } from './migrate.js';
import type { SqlExecutor } from './sql/executor.js';
import { autoCommitRepositories, createStoreTx, guardedExecutor, type TxState } from './tx.js';
import type { Store, StoreBackend, StoreTx } from './types.js';

export interface Backend {
  readonly kind: StoreBackend;
  /** Runs `fn` between BEGIN and COMMIT (ROLLBACK when it throws); may run it again on conflicts. */
  transaction<T>(fn: (db: SqlExecutor) => Promise<T>): Promise<T>;
  /** Like `transaction`, holding whatever lock keeps two migrating processes apart. */
  migrationTransaction<T>(fn: (db: SqlExecutor) => Promise<T>): Promise<T>;
  /** See Store.flush. */
  flush(): void;
  close(): Promise<void>;
}

export function createStore(backend: Backend, plan: MigrationPlan): Store {
  const current = new AsyncLocalStorage<TxState>();
  const running = new Set<Promise<unknown>>();
  let closed = false;

  const enter = <T>(
    kind: 'transaction' | 'migrationTransaction',
    fn: (db: SqlExecutor, state: TxState) => Promise<T>,
  ): Promise<T> => {
    if (closed) return Promise.reject(new StoreError('store_closed', 'the store is closed'));
    if (current.getStore()?.open)
      return Promise.reject(
        new StoreError(
          'nested_transaction',
          'the store was called from inside one of its transactions; use the tx argument instead',
        ),
      );
    const p = backend[kind](async (db) => {
      const state: TxState = { open: true };
      try {
        return await current.run(state, () => fn(guardedExecutor(db, state), state));
      } finally {
        state.open = false;
      }
    });
    running.add(p);
    const forget = (): void => {
      running.delete(p);
    };
    p.then(forget, forget);
    return p;
  };

  const transaction = <T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> =>
    enter('transaction', (db) => fn(createStoreTx(db)));

  return {
    backend: backend.kind,
    ...autoCommitRepositories(transaction),
    transaction,
    flush: () => backend.flush(),
    migrate: () => enter('migrationTransaction', (db) => applyMigrations(db, plan, Date.now())),
    schemaVersion: () =>
      enter('transaction', async (db) => {
        await db.execute(plan.bootstrap);
        return Math.max(0, ...(await appliedVersions(db)));
      }),
    async close() {
      if (closed) return;
      closed = true;
      await Promise.allSettled([...running]);
      await backend.close();
    },
  };
}
