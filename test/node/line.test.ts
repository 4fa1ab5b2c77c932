// test/node/line.test.ts: five ksnode processes in a line (alice - bob - carol - dave - erin) on a
// devnet. The channels are announced once 6 blocks deep, gossip carries them (and every node's
// keysend feature) to every node, and keysend payments go over 1 to 4 hops both ways, with and
// without records, each forwarder keeping exactly its fee.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  Cluster,
  channelById,
  channels,
  connect,
  invoice,
  type Json,
  keysend,
  type NodeProcess,
  openChannel,
  waitActive,
  waitFor,
} from './harness.js';

let cluster: Cluster;
let line: NodeProcess[] = [];
/** Channel ids along the line: ids[i] joins line[i] and line[i + 1]. */
const ids: string[] = [];

interface GraphChannel {
  policies: [unknown, unknown];
  capacitySat: string | null;
}

before(async () => {
  cluster = await Cluster.start();
  line = [...(await cluster.add('alice', 'bob', 'carol', 'dave', 'erin'))];
  await Promise.all(line.slice(0, 4).map((n) => cluster.fund(n, 2_000_000n)));
  await Promise.all(line.slice(0, 4).map((n, i) => connect(n, line[i + 1]!)));
});

after(async () => {
  await cluster?.close();
});

const fail = (e: unknown): never => {
  throw new Error(`${(e as Error).message}\n${cluster.logs()}`);
};

test('channels are announced and gossip reaches every node', { timeout: 60_000 }, async () => {
  try {
    for (let i = 0; i < 4; i++) ids.push(await openChannel(line[i]!, line[i + 1]!, 800_000n, 200_000_000n));
    // BOLT 7: announcement_signatures once the funding is 6 blocks deep.
    cluster.mine(6);
    for (let i = 0; i < 4; i++) await waitActive(ids[i]!, line[i]!, line[i + 1]!);
    for (const n of line) {
      await waitFor(
        `${n.name} to know the 4 channels with both policies`,
        async () => {
          const ends = await Promise.all(
            [line[0]!, line[4]!].map((m) =>
              n.api<{ channels: (GraphChannel & { shortChannelId: string })[] }>(
                'GET',
                `/v1/graph/channels?around=${m.nodeId}&depth=3`,
              ),
            ),
          );
          const known = new Set<string>();
          // The funding lookup gives every announced channel its capacity.
          for (const r of ends)
            for (const c of r.channels)
              if (c.policies[0] !== null && c.policies[1] !== null && c.capacitySat === '800000')
                known.add(c.shortChannelId);
          return known.size === 4;
        },
        40_000,
        250,
      );
    }
    // Every node learns every other node, with its alias and the keysend bit.
    for (const n of [line[0]!, line[4]!]) {
      await waitFor(`${n.name} to know all five nodes`, async () => {
        const found = await Promise.all(
          line.map((m) =>
            n.api<{ nodes: { nodeId: string; alias: string | null; features: number[] }[] }>(
              'GET',
              `/v1/graph/nodes?search=${m.nodeId}`,
            ),
          ),
        );
        return found.every(
          (r, i) =>
            r.nodes.length === 1 &&
            r.nodes[0]?.alias === line[i]!.name &&
            // bLIP 3: keysend is feature bit 55 in node_announcement.
            r.nodes[0]?.features.includes(55),
        );
      });
    }
  } catch (e) {
    fail(e);
  }
});

test('keysend over 1 to 4 hops, both ways, forwarders keep their fees', { timeout: 60_000 }, async () => {
  try {
    const totals = async () =>
      Promise.all(
        line.map(async (n) => (await channels(n)).reduce((s, c) => s + BigInt(c.localBalanceMsat), 0n)),
      );
    const before = await totals();
    const [alice, , , , erin] = line as [NodeProcess, NodeProcess, NodeProcess, NodeProcess, NodeProcess];
    // Forward: 1, 2, 3 and 4 hops from alice (no allowWithoutFeature: gossip told us about keysend).
    const sent: { to: number; amount: bigint; fee: bigint }[] = [];
    for (let hops = 1; hops <= 4; hops++) {
      const to = line[hops]!;
      const amount = 100_000n * BigInt(hops);
      const extra: Record<string, Json> =
        hops % 2 === 0 ? { message: `${hops} hops`, records: { '65537': '0a0b' } } : {};
      const p = await keysend(alice, to, amount, extra);
      assert.equal(p.status, 'succeeded', p.failureReason ?? '');
      // Each forwarder charges 1000 msat + 1 ppm (the defaults); on these amounts, 1000 msat each.
      assert.equal(BigInt(p.feeMsat), 1000n * BigInt(hops - 1));
      const inv = await invoice(to, p.paymentHash);
      assert.equal(inv?.state, 'settled');
      assert.equal(inv?.amountReceivedMsat, amount.toString());
      if (hops % 2 === 0) {
        assert.equal(inv?.app?.message, `${hops} hops`);
        assert.equal(inv?.records['65537'], '0a0b');
      } else assert.deepEqual(inv?.records, {});
      sent.push({ to: hops, amount, fee: BigInt(p.feeMsat) });
    }
    // And back: erin pays alice over 4 hops.
    const back = await keysend(erin, alice, 70_000n, { message: 'all the way back' });
    assert.equal(back.status, 'succeeded', back.failureReason ?? '');
    assert.equal(back.feeMsat, '3000');
    assert.equal((await invoice(alice, back.paymentHash))?.app?.message, 'all the way back');

    await waitFor('every HTLC settled', async () => {
      for (let i = 0; i < 4; i++)
        for (const n of [line[i]!, line[i + 1]!])
          if ((await channelById(n, ids[i]!))?.pendingHtlcs !== 0) return false;
      return true;
    });
    const after = await totals();
    // Money conservation with fees: each node's change is what it received, minus what it paid,
    // plus 1000 msat per payment it forwarded.
    const expected = before.map(() => 0n);
    for (const s of sent) {
      expected[0]! -= s.amount + s.fee;
      expected[s.to]! += s.amount;
      for (let f = 1; f < s.to; f++) expected[f]! += 1000n;
    }
    expected[4]! -= 70_000n + 3000n;
    expected[0]! += 70_000n;
    for (let f = 1; f < 4; f++) expected[f]! += 1000n;
    assert.deepEqual(
      after.map((a, i) => a - before[i]!),
      expected,
    );
  } catch (e) {
    fail(e);
  }
});
