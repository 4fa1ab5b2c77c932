// test/node/postgres.test.ts: two ksnode processes whose Store is PostgreSQL (each in a schema of
// its own in one database): a channel, keysend both ways, a SIGKILL and restart of one side with
// the channel intact, and a cooperative close. Needs KSNODE_TEST_PG_URL (scripts/ci-postgres.sh);
// skipped without it outside CI.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { dropSchema, postgresTestUrl, randomSchemaName } from '../store/backends.js';
import {
  Cluster,
  channelById,
  connect,
  keysend,
  NodeProcess as Node,
  type NodeProcess,
  openChannel,
  waitActive,
  waitFor,
} from './harness.js';

const pg = postgresTestUrl();
const schemas = [randomSchemaName(), randomSchemaName()];
let cluster: Cluster | undefined;
let alice: NodeProcess;
let bob: NodeProcess;

before(async () => {
  if (!('url' in pg)) return;
  cluster = await Cluster.start();
  alice = await Node.spawn('alice', cluster.chainUrl, {
    flags: { store: pg.url, 'store-schema': schemas[0]! },
  });
  cluster.nodes.push(alice);
  bob = await Node.spawn('bob', cluster.chainUrl, { flags: { store: pg.url, 'store-schema': schemas[1]! } });
  cluster.nodes.push(bob);
});

after(async () => {
  await cluster?.close();
  if ('url' in pg) for (const s of schemas) await dropSchema(pg.url, s);
});

test('a channel on PostgreSQL stores survives a SIGKILL and closes', { timeout: 60_000 }, async (t) => {
  if ('fail' in pg) assert.fail(pg.fail);
  if ('skip' in pg) {
    t.skip(pg.skip);
    return;
  }
  const c = cluster!;
  try {
    await c.fund(alice, 1_000_000n);
    await connect(alice, bob);
    const id = await openChannel(alice, bob, 400_000n, 50_000_000n);
    c.mine(3);
    await waitActive(id, alice, bob);
    const p = await keysend(alice, bob, 2_000_000n, { allowWithoutFeature: true });
    assert.equal(p.status, 'succeeded', p.failureReason ?? '');
    await bob.kill('SIGKILL');
    await bob.restart();
    await waitActive(id, alice, bob);
    const back = await keysend(bob, alice, 1_000_000n, { allowWithoutFeature: true });
    assert.equal(back.status, 'succeeded', back.failureReason ?? '');
    await waitFor('settled', async () => (await channelById(bob, id))?.pendingHtlcs === 0);
    const onBob = await channelById(bob, id);
    assert.equal(onBob?.localBalanceMsat, '51000000');
    await alice.api('POST', `/v1/channels/${id}/close`, {});
    await waitFor('closing tx', async () => (await channelById(alice, id))?.closingTxid ?? undefined);
    c.mine(1);
    await waitFor('closed on both', async () => {
      const [a, b] = [await channelById(alice, id), await channelById(bob, id)];
      return a?.status === 'closed' && b?.status === 'closed';
    });
  } catch (e) {
    throw new Error(`${(e as Error).message}\n${c.logs()}`);
  }
});
