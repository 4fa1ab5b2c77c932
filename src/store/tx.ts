// src/store/tx.ts: binds the repositories to one transaction's executor, and (for the Store
// itself) to "one transaction per call".
import { StoreError } from './errors.js';
import { channelRepository } from './repos/channels.js';
import { forwardRepository } from './repos/forwards.js';
import { htlcRepository } from './repos/htlcs.js';
import { invoiceRepository } from './repos/invoices.js';
import { kvNamespace } from './repos/kv.js';
import { paymentAttemptRepository } from './repos/payment-attempts.js';
import { paymentRepository } from './repos/payments.js';
import type { SqlExecutor } from './sql/executor.js';
import type { StoreTx } from './types.js';

export function createStoreTx(db: SqlExecutor): StoreTx {
  return {
    kv: (namespace) => kvNamespace(db, namespace),
    channels: channelRepository(db),
    htlcs: htlcRepository(db),
    payments: paymentRepository(db),
    paymentAttempts: paymentAttemptRepository(db),
    invoices: invoiceRepository(db),
    forwards: forwardRepository(db),
  };
}

/** Open while its transaction runs; a `tx` kept past its callback must not write into another. */
export interface TxState {
  open: boolean;
}

export function guardedExecutor(db: SqlExecutor, state: TxState): SqlExecutor {
  const check = (): void => {
    if (!state.open)
      throw new StoreError(
        'transaction_closed',
        'this transaction has ended; use the tx passed to the current transaction callback',
      );
  };
  return {
    dialect: db.dialect,
    query: async (sql, params) => {
      check();
      return db.query(sql, params);
    },
    execute: async (sql, params) => {
      check();
      return db.execute(sql, params);
    },
  };
}

type Run = <T>(fn: (tx: StoreTx) => Promise<T>) => Promise<T>;
type AsyncMethod = (...args: unknown[]) => Promise<unknown>;

/** Repositories whose every method runs in a transaction of its own. */
export function autoCommitRepositories(run: Run): StoreTx {
  const unusable: SqlExecutor = {
    dialect: 'sqlite',
    query: () => Promise.reject(new Error('unreachable')),
    execute: () => Promise.reject(new Error('unreachable')),
  };
  const shape = createStoreTx(unusable);
  const bind = <R extends object>(pick: (tx: StoreTx) => R): R => {
    const out: Record<string, AsyncMethod> = {};
    for (const name of Object.keys(pick(shape))) {
      out[name] = (...args) =>
        run((tx) => (pick(tx) as unknown as Record<string, AsyncMethod>)[name]!(...args));
    }
    return out as unknown as R;
  };
  return {
    kv: (namespace) => {
      kvNamespace(unusable, namespace); // validates the name now, not at first use
      return bind((tx) => tx.kv(namespace));
    },
    channels: bind((tx) => tx.channels),
    htlcs: bind((tx) => tx.htlcs),
    payments: bind((tx) => tx.payments),
    paymentAttempts: bind((tx) => tx.paymentAttempts),
    invoices: bind((tx) => tx.invoices),
    forwards: bind((tx) => tx.forwards),
  };
}
