import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ChannelGraph, loadDescribeGraph, parseShortChannelId } from '../../src/routing/index.js';

const A = `02${'11'.repeat(32)}`;
const B = `03${'22'.repeat(32)}`;
const C = `02${'33'.repeat(32)}`;
const policy = {
  time_lock_delta: 34,
  min_htlc: '1',
  max_htlc_msat: '4092210000',
  fee_base_msat: '0',
  fee_rate_milli_msat: '11000',
  disabled: false,
};
const edge = (over: object) => ({
  channel_id: '139853824',
  scid: '0x2134x0',
  chan_point: '',
  capacity: '9093802',
  node1_pub: A,
  node2_pub: B,
  node1_policy: policy,
  node2_policy: null,
  ...over,
});

describe('loadDescribeGraph', () => {
  test('loads channels, both policies and node info', () => {
    const g = new ChannelGraph();
    const report = loadDescribeGraph(
      g,
      {
        nodes: [
          { pub_key: A, alias: 'alice', addresses: [], features: { '9': { name: 'tlv-onion' }, '14': {} } },
          { pub_key: B, alias: 'bob', addresses: [], features: {} },
        ],
        edges: [edge({ node2_policy: { ...policy, disabled: true, time_lock_delta: 144 } })],
      },
      { timestamp: 1234 },
    );
    assert.deepEqual(report, {
      nodes: 2,
      channels: 1,
      policies: 2,
      skippedNodes: 0,
      skippedChannels: 0,
      skippedPolicies: 0,
      problems: [],
    });
    const scid = parseShortChannelId('0x2134x0') as bigint;
    assert.equal(scid, 139853824n);
    const c = g.getChannel(scid);
    assert.equal(c?.capacitySat, 9_093_802n);
    assert.deepEqual(c?.policies[0], {
      feeBaseMsat: 0n,
      feeProportionalMillionths: 11000,
      cltvExpiryDelta: 34,
      htlcMinimumMsat: 1n,
      htlcMaximumMsat: 4_092_210_000n,
      disabled: false,
      timestamp: 1234,
    });
    assert.equal(c?.policies[1]?.disabled, true);
    assert.equal(c?.policies[1]?.cltvExpiryDelta, 144);
    const alice = g.getNode(Uint8Array.from(Buffer.from(A, 'hex')));
    assert.equal(alice?.alias, 'alice');
    assert.deepEqual(alice?.features, [9, 14]);
  });

  test('skips and counts what does not fit, without throwing', () => {
    const g = new ChannelGraph();
    const report = loadDescribeGraph(g, {
      nodes: [{ pub_key: 'zz' }, { pub_key: C, alias: 'no channels' }, 7],
      edges: [
        edge({}),
        edge({}), // duplicate scid
        edge({ scid: '1x2' }),
        edge({ scid: '1x1x1', node1_pub: B, node2_pub: A }), // wrong order
        edge({ scid: '1x1x2', node2_pub: 'abcd' }),
        edge({ scid: '1x1x3', capacity: '-5' }),
        edge({ scid: '1x1x4', node1_policy: { ...policy, fee_base_msat: '4294967296' } }),
        edge({ scid: '1x1x5', node1_policy: { ...policy, time_lock_delta: 70000 } }),
        edge({ scid: '1x1x6', node1_policy: { ...policy, disabled: 'no' } }),
        edge({ scid: '1x1x7', node1_policy: 'x' }),
        null,
      ],
    });
    assert.equal(report.channels, 5);
    assert.equal(report.skippedChannels, 6);
    assert.equal(report.policies, 1);
    assert.equal(report.skippedPolicies, 4);
    assert.equal(report.nodes, 0);
    assert.equal(report.skippedNodes, 3);
    assert.equal(report.problems.length, 12); // a node without channels is no problem
    assert.match(report.problems.join('\n'), /duplicate scid 0x2134x0/);
    assert.match(report.problems.join('\n'), /does not sort before/);
    assert.equal(g.channelCount, 5);
  });

  test('input that is not a describegraph at all', () => {
    const g = new ChannelGraph();
    for (const bad of [null, 5, 'x', [], { nodes: [] }, { edges: 'no' }]) {
      const r = loadDescribeGraph(g, bad);
      assert.equal(r.channels, 0);
      assert.equal(r.problems.length, 1);
    }
  });
});
