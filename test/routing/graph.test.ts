import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { forwardingFeeMsatNumber } from '../../src/routing/fees.js';
import { POLICY_DISABLED, POLICY_PRESENT, POLICY_UNUSABLE } from '../../src/routing/graph.js';
import {
  ChannelGraph,
  type ChannelPolicy,
  encodeShortChannelId,
  formatShortChannelId,
  forwardingFeeMsat,
  parseShortChannelId,
} from '../../src/routing/index.js';
import { nid } from './helpers.js';

const pol = (over: Partial<ChannelPolicy> = {}): ChannelPolicy => ({
  feeBaseMsat: 1000n,
  feeProportionalMillionths: 100,
  cltvExpiryDelta: 40,
  htlcMinimumMsat: 1n,
  htlcMaximumMsat: 500_000_000n,
  disabled: false,
  timestamp: 100,
  ...over,
});
const hex = (id: Uint8Array) => Buffer.from(id).toString('hex');

describe('ChannelGraph', () => {
  test('add, look up, update, remove', () => {
    const g = new ChannelGraph();
    assert.equal(
      g.addChannel({ shortChannelId: 7n, node1: nid(1), node2: nid(2), capacitySat: 1_000_000n }),
      true,
    );
    assert.equal(g.addChannel({ shortChannelId: 7n, node1: nid(1), node2: nid(3), capacitySat: 5n }), false);
    assert.equal(
      g.addChannel({
        shortChannelId: 8n,
        node1: nid(2),
        node2: nid(3),
        capacitySat: undefined,
        features: [1, 3],
      }),
      true,
    );
    assert.equal(g.nodeCount, 3);
    assert.equal(g.channelCount, 2);

    assert.equal(g.updatePolicy(7n, 1, pol()), 'updated');
    assert.equal(g.updatePolicy(9n, 0, pol()), 'unknown-channel');
    const c = g.getChannel(7n);
    assert.ok(c);
    assert.equal(hex(c.node1), hex(nid(1)));
    assert.equal(hex(c.node2), hex(nid(2)));
    assert.equal(c.capacitySat, 1_000_000n);
    assert.equal(c.policies[0], undefined);
    assert.deepEqual(c.policies[1], pol());
    assert.deepEqual(g.getChannel(8n)?.features, [1, 3]);
    assert.equal(g.getChannel(8n)?.capacitySat, undefined);

    assert.equal(g.removeChannel(7n), true);
    assert.equal(g.removeChannel(7n), false);
    assert.equal(g.getChannel(7n), undefined);
    assert.equal(g.channelCount, 1);
    assert.equal(g.getNode(nid(1))?.channelCount, 0);
    assert.equal(g.getNode(nid(2))?.channelCount, 1);
    // The freed slot is reused, with no policy carried over.
    assert.equal(g.addChannel({ shortChannelId: 9n, node1: nid(1), node2: nid(3), capacitySat: 1n }), true);
    assert.deepEqual(g.getChannel(9n)?.policies, [undefined, undefined]);
    assert.deepEqual([...g.channelEntries()].map((x) => x.shortChannelId).sort(), [8n, 9n]);
  });

  test('BOLT 7: older or equal timestamps are stale; newer replace', () => {
    const g = new ChannelGraph();
    g.addChannel({ shortChannelId: 1n, node1: nid(1), node2: nid(2), capacitySat: 1_000_000n });
    assert.equal(g.updatePolicy(1n, 0, pol({ timestamp: 100 })), 'updated');
    assert.equal(g.updatePolicy(1n, 0, pol({ timestamp: 99, feeBaseMsat: 5n })), 'stale');
    assert.equal(g.updatePolicy(1n, 0, pol({ timestamp: 100, feeBaseMsat: 5n })), 'stale');
    assert.equal(g.getPolicy(1n, 0)?.feeBaseMsat, 1000n);
    assert.equal(g.updatePolicy(1n, 0, pol({ timestamp: 101, feeBaseMsat: 5n, disabled: true })), 'updated');
    assert.equal(g.getPolicy(1n, 0)?.feeBaseMsat, 5n);
    assert.equal(g.getPolicy(1n, 0)?.disabled, true);
    // The other direction is independent.
    assert.equal(g.updatePolicy(1n, 1, pol({ timestamp: 50 })), 'updated');
  });

  test('policy flags seen by the pathfinder', () => {
    const g = new ChannelGraph();
    g.addChannel({ shortChannelId: 1n, node1: nid(1), node2: nid(2), capacitySat: 1000n });
    const flags = () => g.view().flags[g.slotOf(1n) * 2];
    g.updatePolicy(1n, 0, pol({ timestamp: 1, htlcMaximumMsat: 1_000_000n }));
    assert.equal(flags(), POLICY_PRESENT);
    g.updatePolicy(1n, 0, pol({ timestamp: 2, htlcMaximumMsat: 1_000_001n }));
    assert.equal(flags(), POLICY_PRESENT | POLICY_UNUSABLE);
    g.updatePolicy(1n, 0, pol({ timestamp: 3, htlcMinimumMsat: 10n, htlcMaximumMsat: 9n }));
    assert.equal(flags(), POLICY_PRESENT | POLICY_UNUSABLE);
    g.updatePolicy(1n, 0, pol({ timestamp: 4, htlcMaximumMsat: 5n, htlcMinimumMsat: 0n, disabled: true }));
    assert.equal(flags(), POLICY_PRESENT | POLICY_DISABLED);
  });

  test('exact u64 htlc limits survive, beyond what doubles hold', () => {
    const g = new ChannelGraph();
    g.addChannel({ shortChannelId: 1n, node1: nid(1), node2: nid(2), capacitySat: undefined });
    const max = (1n << 64n) - 1n;
    g.updatePolicy(1n, 0, pol({ htlcMinimumMsat: (1n << 53n) + 1n, htlcMaximumMsat: max }));
    assert.equal(g.getPolicy(1n, 0)?.htlcMaximumMsat, max);
    assert.equal(g.getPolicy(1n, 0)?.htlcMinimumMsat, (1n << 53n) + 1n);
  });

  test('node info needs a known node', () => {
    const g = new ChannelGraph();
    g.addChannel({ shortChannelId: 1n, node1: nid(1), node2: nid(2), capacitySat: 1n });
    assert.equal(g.setNodeInfo(nid(1), { alias: 'one', features: [8, 14] }), true);
    assert.equal(g.setNodeInfo(nid(5), { alias: 'five' }), false);
    assert.deepEqual(g.getNode(nid(1)), { nodeId: nid(1), alias: 'one', features: [8, 14], channelCount: 1 });
    assert.equal(g.getNode(nid(5)), undefined);
    assert.equal(g.hasNode(nid(2)), true);
    assert.equal(g.channelsOf(nid(2)).length, 1);
    assert.deepEqual(
      [...g.nodeEntries()].map((n) => n.alias),
      ['one', undefined],
    );
  });

  test('malformed arguments are bugs and throw', () => {
    const g = new ChannelGraph();
    const add = (over: object) => () =>
      g.addChannel({ shortChannelId: 1n, node1: nid(1), node2: nid(2), capacitySat: 1n, ...over });
    assert.throws(add({ node1: nid(3) }), /node1 must sort before node2/);
    assert.throws(add({ node2: nid(1) }), RangeError);
    assert.throws(add({ node1: new Uint8Array(32) }), RangeError);
    assert.throws(add({ shortChannelId: 1n << 64n }), RangeError);
    assert.throws(add({ capacitySat: -1n }), RangeError);
    add({})();
    assert.throws(() => g.updatePolicy(1n, 0, pol({ feeBaseMsat: 1n << 32n })), RangeError);
    assert.throws(() => g.updatePolicy(1n, 0, pol({ cltvExpiryDelta: 65536 })), RangeError);
    assert.throws(() => g.updatePolicy(1n, 0, pol({ htlcMaximumMsat: 1n << 64n })), RangeError);
  });

  test('the incoming-edge index follows topology changes', () => {
    const g = new ChannelGraph();
    g.addChannel({ shortChannelId: 1n, node1: nid(1), node2: nid(2), capacitySat: 1n });
    g.addChannel({ shortChannelId: 2n, node1: nid(2), node2: nid(3), capacitySat: 1n });
    const incoming = (n: number) => {
      const v = g.view();
      const i = g.nodeIndexOf(nid(n));
      const out: [string, bigint, number][] = [];
      for (let k = v.inStart[i] as number; k < (v.inStart[i + 1] as number); k++) {
        const e = v.inEdge[k] as number;
        out.push([hex(g.nodeIdAt(v.inFrom[k] as number)), v.scids[e >> 1] as bigint, e & 1]);
      }
      return out.sort();
    };
    // Into 2: from 1 over channel 1 (direction 0), from 3 over channel 2 (direction 1).
    assert.deepEqual(incoming(2), [
      [hex(nid(1)), 1n, 0],
      [hex(nid(3)), 2n, 1],
    ]);
    g.removeChannel(1n);
    assert.deepEqual(incoming(2), [[hex(nid(3)), 2n, 1]]);
    assert.deepEqual(incoming(1), []);
  });
});

describe('short channel ids', () => {
  test('BOLT 7 example 539268x845x1', () => {
    const scid = parseShortChannelId('539268x845x1');
    assert.equal(scid, (539268n << 40n) | (845n << 16n) | 1n);
    assert.equal(formatShortChannelId(scid as bigint), '539268x845x1');
  });

  test('rejects what is not BxTxO within range', () => {
    for (const bad of [
      '',
      '1x2',
      '1x2x3x4',
      '16777216x0x0',
      '0x16777216x0',
      '0x0x65536',
      '-1x0x0',
      '1x2x3 ',
      'axbxc',
    ]) {
      assert.equal(parseShortChannelId(bad), undefined, bad);
    }
  });

  test('round-trips every in-range triple', () => {
    fc.assert(
      fc.property(fc.nat(0xffffff), fc.nat(0xffffff), fc.nat(0xffff), (b, t, o) => {
        const scid = encodeShortChannelId(b, t, o) as bigint;
        assert.equal(formatShortChannelId(scid), `${b}x${t}x${o}`);
        assert.equal(parseShortChannelId(`${b}x${t}x${o}`), scid);
      }),
    );
  });
});

describe('forwarding fee', () => {
  test('BOLT 7 example: 200 + 4999999 * 2000 / 1000000 = 10199', () => {
    assert.equal(forwardingFeeMsat(4_999_999n, 200n, 2000), 10199n);
    assert.equal(forwardingFeeMsatNumber(4_999_999, 200, 2000), 10199);
  });

  test('the double version equals the bigint version below 2^53', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.bigInt({ min: 0n, max: 1n << 40n }), fc.bigInt({ min: 0n, max: 1n << 52n })),
        fc.nat(0xffffffff),
        fc.oneof(fc.nat(1_000_000), fc.nat(0xffffffff)),
        (amt, base, ppm) => {
          const exact = forwardingFeeMsat(amt, BigInt(base), ppm);
          fc.pre(exact < 1n << 53n);
          assert.equal(forwardingFeeMsatNumber(Number(amt), base, ppm), Number(exact));
        },
      ),
      { numRuns: 2000 },
    );
  });
});
