// src/store/sqlite/migrations.ts: the SQLite schema, one entry per version; never edit a shipped
// entry, append a new one. STRICT tables refuse a float or text where an amount belongs.
import type { MigrationPlan } from '../migrate.js';

export const SQLITE_MIGRATIONS: MigrationPlan = {
  bootstrap:
    'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, ' +
    'applied_at INTEGER NOT NULL) STRICT',
  migrations: [
    {
      version: 1,
      name: 'channels, htlcs, payments, invoices, kv',
      statements: [
        `CREATE TABLE kv (
          namespace TEXT NOT NULL,
          key TEXT NOT NULL,
          value BLOB NOT NULL,
          PRIMARY KEY (namespace, key)
        ) STRICT, WITHOUT ROWID`,
        `CREATE TABLE store_counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL) STRICT`,
        `INSERT INTO store_counters (name, value) VALUES ('invoice_add', 0), ('invoice_settle', 0)`,
        `CREATE TABLE channels (
          channel_id BLOB PRIMARY KEY,
          peer_node_id BLOB NOT NULL,
          short_channel_id INTEGER,
          state TEXT NOT NULL,
          funding_txid BLOB NOT NULL,
          funding_output_index INTEGER NOT NULL,
          capacity_sat INTEGER NOT NULL,
          local_balance_msat INTEGER NOT NULL,
          remote_balance_msat INTEGER NOT NULL,
          data BLOB NOT NULL,
          version INTEGER NOT NULL,
          created_at INTEGER NOT NULL,
          updated_at INTEGER NOT NULL
        ) STRICT`,
        'CREATE INDEX channels_short_channel_id ON channels (short_channel_id)',
        'CREATE INDEX channels_peer_node_id ON channels (peer_node_id)',
        `CREATE TABLE htlcs (
          channel_id BLOB NOT NULL REFERENCES channels (channel_id),
          direction TEXT NOT NULL CHECK (direction IN ('offered', 'received')),
          htlc_id INTEGER NOT NULL,
          payment_hash BLOB NOT NULL,
          amount_msat INTEGER NOT NULL,
          cltv_expiry INTEGER NOT NULL,
          state TEXT NOT NULL,
          onion BLOB,
          preimage BLOB,
          failure BLOB,
          created_at INTEGER NOT NULL,
          updated_at INTEGER NOT NULL,
          PRIMARY KEY (channel_id, direction, htlc_id)
        ) STRICT`,
        'CREATE INDEX htlcs_payment_hash ON htlcs (payment_hash)',
        `CREATE TABLE payments (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          payment_hash BLOB NOT NULL UNIQUE,
          idempotency_key TEXT UNIQUE,
          destination BLOB NOT NULL,
          amount_msat INTEGER NOT NULL,
          fee_msat INTEGER NOT NULL,
          status TEXT NOT NULL,
          preimage BLOB,
          failure_reason TEXT,
          created_at INTEGER NOT NULL,
          updated_at INTEGER NOT NULL
        ) STRICT`,
        'CREATE INDEX payments_status ON payments (status)',
        `CREATE TABLE payment_records (
          payment_id INTEGER NOT NULL REFERENCES payments (id),
          type INTEGER NOT NULL,
          value BLOB NOT NULL,
          PRIMARY KEY (payment_id, type)
        ) STRICT`,
        `CREATE TABLE payment_attempts (
          payment_id INTEGER NOT NULL REFERENCES payments (id),
          attempt_number INTEGER NOT NULL,
          route TEXT NOT NULL,
          status TEXT NOT NULL,
          failing_hop INTEGER,
          failure_code INTEGER,
          created_at INTEGER NOT NULL,
          updated_at INTEGER NOT NULL,
          PRIMARY KEY (payment_id, attempt_number)
        ) STRICT`,
        'CREATE INDEX payment_attempts_status ON payment_attempts (status)',
        `CREATE TABLE invoices (
          payment_hash BLOB PRIMARY KEY,
          preimage BLOB,
          amount_msat INTEGER,
          amount_received_msat INTEGER NOT NULL,
          state TEXT NOT NULL,
          keysend INTEGER NOT NULL CHECK (keysend IN (0, 1)),
          bolt11 TEXT,
          memo TEXT NOT NULL,
          created_at INTEGER NOT NULL,
          settled_at INTEGER,
          expires_at INTEGER,
          add_index INTEGER NOT NULL UNIQUE,
          settle_index INTEGER UNIQUE
        ) STRICT`,
        'CREATE INDEX invoices_state ON invoices (state)',
        `CREATE TABLE invoice_records (
          payment_hash BLOB NOT NULL REFERENCES invoices (payment_hash),
          type INTEGER NOT NULL,
          value BLOB NOT NULL,
          PRIMARY KEY (payment_hash, type)
        ) STRICT`,
      ],
    },
    {
      version: 2,
      name: 'forwarding history',
      statements: [
        `CREATE TABLE forwards (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          payment_hash BLOB NOT NULL,
          incoming_channel_id BLOB NOT NULL,
          incoming_htlc_id INTEGER NOT NULL,
          outgoing_channel_id BLOB NOT NULL,
          outgoing_htlc_id INTEGER,
          incoming_amount_msat INTEGER NOT NULL,
          outgoing_amount_msat INTEGER NOT NULL,
          fee_msat INTEGER NOT NULL,
          status TEXT NOT NULL,
          failure_reason TEXT,
          created_at INTEGER NOT NULL,
          resolved_at INTEGER,
          UNIQUE (incoming_channel_id, incoming_htlc_id)
        ) STRICT`,
        'CREATE INDEX forwards_status ON forwards (status)',
      ],
    },
  ],
};
