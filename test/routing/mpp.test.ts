import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { findRoute, routeInFlight, type SplitPaymentRequest, splitPayment } from '../../src/routing/index.js';
import { buildGraph, checkRoute, nid } from './helpers.js';

describe('splitPayment', () => {
  // Two disjoint paths 1 -> 2 -> 4 and 1 -> 3 -> 4 of 600,000 sat each; a third, 1 -> 5 -> 4, of 300,000.
  const graph = buildGraph([
    { scid: 12n, a: 1, b: 2, capacitySat: 600_000n },
    { scid: 24n, a: 2, b: 4, capacitySat: 600_000n, ab: { base: 1000 } },
    { scid: 13n, a: 1, b: 3, capacitySat: 600_000n },
    { scid: 34n, a: 3, b: 4, capacitySat: 600_000n, ab: { base: 2000 } },
    { scid: 15n, a: 1, b: 5, capacitySat: 300_000n },
    { scid: 54n, a: 5, b: 4, capacitySat: 300_000n, ab: { base: 3000 } },
  ]);
  const req = (
    amountMsat: bigint,
    maxParts: number,
    extra: Partial<SplitPaymentRequest> = {},
  ): SplitPaymentRequest => ({
    graph,
    source: nid(1),
    destination: nid(4),
    amountMsat,
    finalCltvDelta: 40,
    maxParts,
    ...extra,
  });
  /** Sum, per channel direction, of what all parts carry. */
  const load = (routes: ReturnType<typeof routeInFlight>[]) => {
    const m = new Map<string, bigint>();
    for (const r of routes.flat()) {
      const k = `${r.shortChannelId}/${r.direction}`;
      m.set(k, (m.get(k) ?? 0n) + r.amountMsat);
    }
    return m;
  };

  test('one path is enough: one part', () => {
    const r = splitPayment(req(100_000_000n, 4));
    assert.equal(r.kind, 'routes');
    if (r.kind !== 'routes') return;
    assert.equal(r.routes.length, 1);
    assert.deepEqual(
      r.routes[0]?.hops.map((h) => h.shortChannelId),
      [12n, 24n],
    );
  });

  test('more than any one path carries: parts on disjoint paths that add up', () => {
    const amount = 1_000_000_000n; // 1,000,000 sat over 600,000-sat paths
    assert.equal(findRoute(req(amount, 1)).kind, 'no-route');
    const r = splitPayment(req(amount, 4));
    assert.equal(r.kind, 'routes', r.kind === 'no-route' ? r.message : '');
    if (r.kind !== 'routes') return;
    assert.equal(r.routes.length, 2);
    assert.equal(
      r.routes.reduce((s, x) => s + x.amountMsat, 0n),
      amount,
    );
    assert.deepEqual(
      r.routes.map((x) => x.hops.map((h) => h.shortChannelId)),
      [
        [12n, 24n],
        [13n, 34n],
      ],
    );
    assert.equal(r.totalFeeMsat, 3000n);
    for (const x of r.routes) {
      const partReq = { ...req(x.amountMsat, 1) };
      assert.deepEqual(checkRoute(partReq, x), []);
    }
    // Together the parts never ask a channel for more than its capacity.
    for (const [k, msat] of load(r.routes.map(routeInFlight))) {
      assert.ok(msat <= 600_000_000n, `${k} carries ${msat}`);
    }
  });

  test('three paths for what two cannot carry', () => {
    const r = splitPayment(req(1_400_000_000n, 8));
    assert.equal(r.kind, 'routes', r.kind === 'no-route' ? r.message : '');
    if (r.kind !== 'routes') return;
    assert.equal(
      r.routes.reduce((s, x) => s + x.amountMsat, 0n),
      1_400_000_000n,
    );
    const used = new Set(r.routes.map((x) => x.hops[1]?.shortChannelId));
    assert.deepEqual([...used].sort(), [24n, 34n, 54n]);
    const caps: Record<string, bigint> = {
      12: 600_000_000n,
      24: 600_000_000n,
      13: 600_000_000n,
      34: 600_000_000n,
    };
    for (const [k, msat] of load(r.routes.map(routeInFlight))) {
      assert.ok(msat <= (caps[k.split('/')[0] as string] ?? 300_000_000n), `${k} carries ${msat}`);
    }
  });

  test('too few parts allowed, or more than the network carries: no-route', () => {
    const two = splitPayment(req(1_000_000_000n, 1));
    assert.equal(two.kind === 'no-route' && two.reason, 'no-path');
    const all = splitPayment(req(1_600_000_000n, 16));
    assert.equal(all.kind, 'no-route');
  });

  test('the fee bound covers all parts together', () => {
    assert.equal(splitPayment(req(1_000_000_000n, 4, { maxFeeMsat: 3000n })).kind, 'routes');
    assert.equal(splitPayment(req(1_000_000_000n, 4, { maxFeeMsat: 2999n })).kind, 'no-route');
  });

  test('first hop balances are shared between parts', () => {
    const firstHopChannels = [
      { shortChannelId: 12n, peerNodeId: nid(2), spendableMsat: 300_000_000n },
      { shortChannelId: 13n, peerNodeId: nid(3), spendableMsat: 300_000_000n },
    ];
    const r = splitPayment(req(500_000_000n, 4, { firstHopChannels }));
    assert.equal(r.kind, 'routes', r.kind === 'no-route' ? r.message : '');
    if (r.kind !== 'routes') return;
    const perFirstHop = load(r.routes.map(routeInFlight));
    assert.ok((perFirstHop.get('12/0') ?? 0n) <= 300_000_000n);
    assert.ok((perFirstHop.get('13/0') ?? 0n) <= 300_000_000n);
    assert.equal(
      r.routes.reduce((s, x) => s + x.amountMsat, 0n),
      500_000_000n,
    );
  });

  test('invalid requests', () => {
    assert.equal(splitPayment(req(1000n, 0)).kind, 'no-route');
    const bad = splitPayment(req(0n, 2));
    assert.equal(bad.kind === 'no-route' && bad.reason, 'invalid-request');
  });
});
