// test/node/graph-prune.test.ts: a line alice - bob - carol on a devnet. Once everyone knows both
// channels, bob and carol close theirs cooperatively while alice is down. Alice, restarted, finds
// the spend in the blocks she missed and forgets that channel 72 blocks after it (BOLT 7), while
// her own channel with bob stays.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { txidFromHex } from '../../src/tx/index.js';
import {
  type Cluster,
  channelById,
  type NodeProcess,
  openChannel,
  useCluster,
  waitActive,
  waitFor,
} from './harness.js';

let cluster: Cluster;
let alice: NodeProcess;
let bob: NodeProcess;
let carol: NodeProcess;

// A line: alice - bob - carol.
useCluster(
  [{ name: 'alice', fundSat: 2_000_000n }, { name: 'bob', fundSat: 2_000_000n }, 'carol'],
  (c, nodes) => {
    cluster = c;
    [alice, bob, carol] = nodes;
  },
);

const fail = (e: unknown): never => {
  throw new Error(`${(e as Error).message}\n${cluster.logs()}`);
};

/** The short channel ids in `n`'s graph around alice (the whole line). */
async function graphScids(n: NodeProcess): Promise<Set<string>> {
  const r = await n.api<{ channels: { shortChannelId: string }[] }>(
    'GET',
    `/v1/graph/channels?around=${alice.nodeId}&depth=3`,
  );
  return new Set(r.channels.map((c) => c.shortChannelId));
}

async function heightOf(n: NodeProcess): Promise<number> {
  return (await n.api<{ blockHeight: number }>('GET', '/v1/info')).blockHeight;
}

test('a closed channel of others leaves the graph 72 blocks after its spend', {
  timeout: 60_000,
}, async () => {
  try {
    const ab = await openChannel(alice, bob, 500_000n, 100_000_000n);
    const bc = await openChannel(bob, carol, 500_000n, 100_000_000n);
    // BOLT 7: announced once 6 blocks deep.
    cluster.mine(6);
    await waitActive(ab, alice, bob);
    await waitActive(bc, bob, carol);
    const abScid = (await channelById(alice, ab))?.shortChannelId;
    const bcScid = (await channelById(bob, bc))?.shortChannelId;
    assert.ok(abScid && bcScid);
    for (const n of [alice, bob, carol]) {
      await waitFor(`${n.name} to know both channels`, async () => {
        const s = await graphScids(n);
        return s.has(abScid) && s.has(bcScid);
      });
    }

    // Alice is down while the close confirms: she must find the spend in the blocks she missed.
    await alice.kill('SIGTERM');
    await bob.api('POST', `/v1/channels/${bc}/close`, {});
    const closing = await waitFor('the closing transaction', async () => {
      const c = await channelById(bob, bc);
      return c?.closingTxid ?? undefined;
    });
    await waitFor('the closing tx in the mempool', () => cluster.devnet.getTx(txidFromHex(closing)));
    cluster.mine(1);
    const spentAt = cluster.devnet.tipHeight;
    await waitFor(
      'bob sees the channel closed',
      async () => (await channelById(bob, bc))?.status === 'closed',
    );
    await alice.restart();

    // 71 blocks on: still there (the spec's delay is not over).
    cluster.mine(71);
    await waitFor('alice at the tip', async () => (await heightOf(alice)) === spentAt + 71);
    const during = await graphScids(alice);
    assert.ok(during.has(bcScid), 'forgotten before the 72-block delay');
    assert.ok(during.has(abScid));

    // BOLT 7: "SHOULD forget a channel after a 72-block delay."
    cluster.mine(1);
    await waitFor('alice to forget bob-carol', async () => !(await graphScids(alice)).has(bcScid));
    const afterwards = await graphScids(alice);
    assert.ok(afterwards.has(abScid), 'alice-bob must stay');
    assert.equal(afterwards.size, 1);
  } catch (e) {
    fail(e);
  }
});
