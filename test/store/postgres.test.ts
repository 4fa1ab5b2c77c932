// test/store/postgres.test.ts: the shared store suite on PostgreSQL (KSNODE_TEST_PG_URL).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { openStore } from '../../src/store/index.js';
import { dropSchema, postgresBackend, postgresTestUrl, randomSchemaName } from './backends.js';
import { channel } from './fixtures.js';
import { runStoreSuite } from './suite/index.js';

const target = postgresTestUrl();

if ('url' in target) {
  // Cases use separate schemas, so they may overlap; the server's commit latency dominates otherwise.
  describe('store on PostgreSQL', { concurrency: 3 }, () => {
    runStoreSuite(postgresBackend(target.url));

    test('postgres: openStore creates its schema and migrates; schema names are checked', async () => {
      const schema = randomSchemaName();
      try {
        const store = await openStore({ kind: 'postgres', connectionString: target.url, schema });
        assert.equal(store.backend, 'postgres');
        assert.equal(await store.schemaVersion(), 2);
        assert.equal((await store.channels.upsert(channel(1), 0)).version, 1);
        await store.close();
      } finally {
        await dropSchema(target.url, schema);
      }
      await assert.rejects(
        openStore({ kind: 'postgres', connectionString: target.url, schema: 'x; DROP TABLE y' }),
        { code: 'invalid_config' },
      );
    });
  });
} else if ('fail' in target) {
  test('store on PostgreSQL', () => assert.fail(target.fail));
} else {
  test('store on PostgreSQL', { skip: target.skip }, () => {});
}
