// test/node/anchors.test.ts: two ksnode processes negotiate option_anchors channels: one from its
// `channel-type` setting, one from the request's `channelType`, and a request overriding the
// setting with static_remotekey. Keysend over an anchors channel both ways, then a cooperative close.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeTx, txidFromHex } from '../../src/tx/index.js';
import {
  type Cluster,
  channelById,
  keysend,
  type NodeProcess,
  openChannel,
  useCluster,
  waitActive,
  waitFor,
} from './harness.js';

let cluster: Cluster;
/** Started with `--channel-type anchors`. */
let alice: NodeProcess;
/** The default setting (static_remotekey). */
let bob: NodeProcess;
let bySetting = '';

useCluster(
  [
    { name: 'alice', flags: { 'channel-type': 'anchors' }, fundSat: 2_000_000n },
    { name: 'bob', fundSat: 2_000_000n },
  ],
  (c, nodes) => {
    cluster = c;
    [alice, bob] = nodes;
  },
);

async function explain<T>(body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (e) {
    throw new Error(`${(e as Error).stack ?? e}\n${cluster.logs()}`, { cause: e });
  }
}

test(
  'the setting, the request, and a request overriding the setting pick the format',
  { timeout: 60_000 },
  () =>
    explain(async () => {
      bySetting = await openChannel(alice, bob, 400_000n);
      const byRequest = (
        await bob.api<{ channelId: string }>('POST', '/v1/channels', {
          nodeId: alice.nodeId,
          amountSat: '300000',
          channelType: 'anchors',
        })
      ).channelId;
      const overridden = (
        await alice.api<{ channelId: string }>('POST', '/v1/channels', {
          nodeId: bob.nodeId,
          amountSat: '200000',
          channelType: 'static_remotekey',
        })
      ).channelId;
      cluster.mine(3);
      const expected: [string, string][] = [
        [bySetting, 'anchors'],
        [byRequest, 'anchors'],
        [overridden, 'static_remotekey'],
      ];
      for (const [id, type] of expected) {
        await waitActive(id, alice, bob);
        assert.equal((await channelById(alice, id))?.channelType, type, id);
        assert.equal((await channelById(bob, id))?.channelType, type, id);
      }
    }),
);

test('keysend both ways over the anchors channel, then a cooperative close', { timeout: 60_000 }, () =>
  explain(async () => {
    const ab = await channelById(alice, bySetting);
    assert.ok(ab?.shortChannelId !== null && ab !== undefined);
    const toBob = await keysend(alice, bob, 30_000_000n, {
      outgoingChannel: ab.shortChannelId,
      allowWithoutFeature: true,
    });
    assert.equal(toBob.status, 'succeeded', toBob.failureReason ?? '');
    const toAlice = await keysend(bob, alice, 12_000_000n, {
      outgoingChannel: ab.shortChannelId,
      allowWithoutFeature: true,
    });
    assert.equal(toAlice.status, 'succeeded', toAlice.failureReason ?? '');
    const settled = await waitFor('both payments settled on the channel', async () => {
      const c = await channelById(bob, bySetting);
      return c?.pendingHtlcs === 0 && BigInt(c.localBalanceMsat) === 18_000_000n ? c : undefined;
    });
    assert.equal(BigInt(settled.remoteBalanceMsat), 382_000_000n);

    await bob.api('POST', `/v1/channels/${bySetting}/close`, {});
    const closing = await waitFor(
      'the closing txid',
      async () => (await channelById(bob, bySetting))?.closingTxid ?? undefined,
    );
    const loc = await waitFor('the closing tx in the mempool', () =>
      cluster.devnet.getTx(txidFromHex(closing)),
    );
    const tx = decodeTx(loc.ptx.raw);
    assert.ok(tx.ok);
    // A mutual close has no anchor outputs: bob's 18,000 sat exactly, and alice's (the funder's)
    // 382,000 sat less the closing fee.
    const outs = tx.value.outputs.map((o) => o.amountSat);
    assert.equal(outs.length, 2, `outputs ${outs}`);
    assert.ok(outs.includes(18_000n), `bob's output among ${outs}`);
    const fee = 382_000n - outs.find((o) => o !== 18_000n)!;
    assert.ok(fee > 100n && fee < 1_000n, `closing fee ${fee}`);
    cluster.mine(1);
    for (const n of [alice, bob])
      await waitFor(`${n.name} sees the channel closed`, async () => {
        return (await channelById(n, bySetting))?.status === 'closed';
      });
  }),
);
