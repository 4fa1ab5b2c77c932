// src/store/postgres/migrations.ts: the PostgreSQL schema, version for version the same tables as
// sqlite/migrations.ts; never edit a shipped entry, append a new one.
import type { MigrationPlan } from '../migrate.js';

export const POSTGRES_MIGRATIONS: MigrationPlan = {
  bootstrap:
    'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, ' +
    'applied_at BIGINT NOT NULL)',
  migrations: [
    {
      version: 1,
      name: 'channels, htlcs, payments, invoices, kv',
      statements: [
        // "C" collation: keys order by code point, as SQLite's BINARY does, whatever the locale.
        `CREATE TABLE kv (
          namespace TEXT NOT NULL,
          key TEXT COLLATE "C" NOT NULL,
          value BYTEA NOT NULL,
          PRIMARY KEY (namespace, key)
        )`,
        'CREATE TABLE store_counters (name TEXT PRIMARY KEY, value BIGINT NOT NULL)',
        `INSERT INTO store_counters (name, value) VALUES ('invoice_add', 0), ('invoice_settle', 0)`,
        `CREATE TABLE channels (
          channel_id BYTEA PRIMARY KEY,
          peer_node_id BYTEA NOT NULL,
          short_channel_id BIGINT,
          state TEXT NOT NULL,
          funding_txid BYTEA NOT NULL,
          funding_output_index BIGINT NOT NULL,
          capacity_sat BIGINT NOT NULL,
          local_balance_msat BIGINT NOT NULL,
          remote_balance_msat BIGINT NOT NULL,
          data BYTEA NOT NULL,
          version BIGINT NOT NULL,
          created_at BIGINT NOT NULL,
          updated_at BIGINT NOT NULL
        )`,
        'CREATE INDEX channels_short_channel_id ON channels (short_channel_id)',
        'CREATE INDEX channels_peer_node_id ON channels (peer_node_id)',
        `CREATE TABLE htlcs (
          channel_id BYTEA NOT NULL REFERENCES channels (channel_id),
          direction TEXT NOT NULL CHECK (direction IN ('offered', 'received')),
          htlc_id BIGINT NOT NULL,
          payment_hash BYTEA NOT NULL,
          amount_msat BIGINT NOT NULL,
          cltv_expiry BIGINT NOT NULL,
          state TEXT NOT NULL,
          onion BYTEA,
          preimage BYTEA,
          failure BYTEA,
          created_at BIGINT NOT NULL,
          updated_at BIGINT NOT NULL,
          PRIMARY KEY (channel_id, direction, htlc_id)
        )`,
        'CREATE INDEX htlcs_payment_hash ON htlcs (payment_hash)',
        `CREATE TABLE payments (
          id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          payment_hash BYTEA NOT NULL UNIQUE,
          idempotency_key TEXT UNIQUE,
          destination BYTEA NOT NULL,
          amount_msat BIGINT NOT NULL,
          fee_msat BIGINT NOT NULL,
          status TEXT NOT NULL,
          preimage BYTEA,
          failure_reason TEXT,
          created_at BIGINT NOT NULL,
          updated_at BIGINT NOT NULL
        )`,
        'CREATE INDEX payments_status ON payments (status)',
        `CREATE TABLE payment_records (
          payment_id BIGINT NOT NULL REFERENCES payments (id),
          type BIGINT NOT NULL,
          value BYTEA NOT NULL,
          PRIMARY KEY (payment_id, type)
        )`,
        `CREATE TABLE payment_attempts (
          payment_id BIGINT NOT NULL REFERENCES payments (id),
          attempt_number INTEGER NOT NULL,
          route TEXT NOT NULL,
          status TEXT NOT NULL,
          failing_hop INTEGER,
          failure_code INTEGER,
          created_at BIGINT NOT NULL,
          updated_at BIGINT NOT NULL,
          PRIMARY KEY (payment_id, attempt_number)
        )`,
        'CREATE INDEX payment_attempts_status ON payment_attempts (status)',
        `CREATE TABLE invoices (
          payment_hash BYTEA PRIMARY KEY,
          preimage BYTEA,
          amount_msat BIGINT,
          amount_received_msat BIGINT NOT NULL,
          state TEXT NOT NULL,
          keysend BOOLEAN NOT NULL,
          bolt11 TEXT,
          memo TEXT NOT NULL,
          created_at BIGINT NOT NULL,
          settled_at BIGINT,
          expires_at BIGINT,
          add_index BIGINT NOT NULL UNIQUE,
          settle_index BIGINT UNIQUE
        )`,
        'CREATE INDEX invoices_state ON invoices (state)',
        `CREATE TABLE invoice_records (
          payment_hash BYTEA NOT NULL REFERENCES invoices (payment_hash),
          type BIGINT NOT NULL,
          value BYTEA NOT NULL,
          PRIMARY KEY (payment_hash, type)
        )`,
      ],
    },
    {
      version: 2,
      name: 'forwarding history',
      statements: [
        `CREATE TABLE forwards (
          id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          payment_hash BYTEA NOT NULL,
          incoming_channel_id BYTEA NOT NULL,
          incoming_htlc_id BIGINT NOT NULL,
          outgoing_channel_id BYTEA NOT NULL,
          outgoing_htlc_id BIGINT,
          incoming_amount_msat BIGINT NOT NULL,
          outgoing_amount_msat BIGINT NOT NULL,
          fee_msat BIGINT NOT NULL,
          status TEXT NOT NULL,
          failure_reason TEXT,
          created_at BIGINT NOT NULL,
          resolved_at BIGINT,
          UNIQUE (incoming_channel_id, incoming_htlc_id)
        )`,
        'CREATE INDEX forwards_status ON forwards (status)',
      ],
    },
  ],
};
