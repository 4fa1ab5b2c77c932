import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type FindRouteRequest, findRoute, type Route, type RouteHintHop } from '../../src/routing/index.js';
import { buildGraph, checkRoute, nid } from './helpers.js';

function mustRoute(req: FindRouteRequest): Route {
  const r = findRoute(req);
  assert.equal(r.kind, 'route', r.kind === 'no-route' ? r.message : '');
  if (r.kind !== 'route') throw new Error('unreachable');
  assert.deepEqual(checkRoute(req, r.route), []);
  return r.route;
}
const scids = (r: Route) => r.hops.map((h) => h.shortChannelId);
const hex = (id: Uint8Array) => Buffer.from(id).toString('hex');

describe('route hints reach private destinations', () => {
  // Public: 1 -> 2 -> 3 and 1 -> 4. Private: 98 and 99 (not in the graph).
  const graph = buildGraph([
    { scid: 12n, a: 1, b: 2 },
    { scid: 23n, a: 2, b: 3, ab: { base: 100, ppm: 1000, cltv: 30 } },
    { scid: 14n, a: 1, b: 4 },
  ]);
  const hint = (from: number, scid: bigint, base: bigint, ppm: number, cltv: number): RouteHintHop => ({
    nodeId: nid(from),
    shortChannelId: scid,
    feeBaseMsat: base,
    feeProportionalMillionths: ppm,
    cltvExpiryDelta: cltv,
  });
  const req = (routeHints: RouteHintHop[][]): FindRouteRequest => ({
    graph,
    source: nid(1),
    destination: nid(99),
    amountMsat: 2_000_000n,
    finalCltvDelta: 40,
    currentHeight: 100,
    routeHints,
  });

  test('without a hint the private node is unknown', () => {
    const r = findRoute(req([]));
    assert.equal(r.kind === 'no-route' && r.reason, 'unknown-destination');
  });

  test('one-hop hint: the hint node charges the hint fee and delta', () => {
    const route = mustRoute(req([[hint(3, 900n, 1000n, 500, 144)]]));
    assert.deepEqual(scids(route), [12n, 23n, 900n]);
    assert.deepEqual(
      route.hops.map((h) => hex(h.nodeId)),
      [hex(nid(2)), hex(nid(3)), hex(nid(99))],
    );
    // 3 charges 1000 + 0.05% of 2,000,000 = 2000; 2 charges 100 + 0.1% of 2,002,000 = 2102.
    assert.deepEqual(
      route.hops.map((h) => [h.amtToForwardMsat, h.feeMsat, h.outgoingCltvValue]),
      [
        [2_002_000n, 2102n, 100 + 40 + 144],
        [2_000_000n, 2000n, 140],
        [2_000_000n, 0n, 140],
      ],
    );
    assert.equal(route.totalAmountMsat, 2_004_102n);
    assert.equal(route.cltvExpiry, 100 + 40 + 144 + 30);
    // The direction of a private channel follows the node ids' order.
    assert.equal(route.hops[2]?.direction, 0);
  });

  test('multi-hop hint through a private intermediate node', () => {
    const route = mustRoute(req([[hint(3, 900n, 1000n, 0, 10), hint(98, 901n, 500n, 0, 20)]]));
    assert.deepEqual(scids(route), [12n, 23n, 900n, 901n]);
    assert.deepEqual(
      route.hops.map((h) => [h.amtToForwardMsat, h.feeMsat]),
      [
        [2_001_500n, 2101n],
        [2_000_500n, 1000n],
        [2_000_000n, 500n],
        [2_000_000n, 0n],
      ],
    );
    assert.equal(route.totalCltvDelta, 40 + 20 + 10 + 30);
  });

  test('of two hints the cheaper wins; an excluded hint channel is skipped', () => {
    const hints = [[hint(3, 900n, 50_000n, 0, 10)], [hint(4, 902n, 1000n, 0, 10)]];
    assert.deepEqual(scids(mustRoute(req(hints))), [14n, 902n]);
    assert.deepEqual(scids(mustRoute({ ...req(hints), excludedChannels: [902n] })), [12n, 23n, 900n]);
  });

  test('a hint starting at the source needs no fee', () => {
    const route = mustRoute(req([[hint(1, 903n, 9999n, 9999, 99)]]));
    assert.deepEqual(scids(route), [903n]);
    assert.equal(route.totalFeeMsat, 0n);
    assert.equal(route.totalCltvDelta, 40);
  });

  test('hint htlc limits are respected', () => {
    const limited = { ...hint(4, 902n, 0n, 0, 10), htlcMaximumMsat: 1_999_999n };
    assert.deepEqual(scids(mustRoute(req([[limited], [hint(3, 900n, 50_000n, 0, 10)]]))), [12n, 23n, 900n]);
  });
});

describe('first hop channels carry our real balances', () => {
  // We (1) are not in the graph. Public: 2 -> 4 (cheap), 3 -> 4 (dear).
  const graph = buildGraph([
    { scid: 24n, a: 2, b: 4, ab: { base: 1000 } },
    { scid: 34n, a: 3, b: 4, ab: { base: 5000 } },
    { scid: 35n, a: 3, b: 5 },
  ]);
  const first = (scid: bigint, peer: number, spendableMsat: bigint, extra = {}) => ({
    shortChannelId: scid,
    peerNodeId: nid(peer),
    spendableMsat,
    ...extra,
  });
  const req = (firstHopChannels: FindRouteRequest['firstHopChannels'], extra = {}): FindRouteRequest => ({
    graph,
    source: nid(1),
    destination: nid(4),
    amountMsat: 1_000_000n,
    finalCltvDelta: 40,
    firstHopChannels,
    ...extra,
  });

  test('the channel with enough balance is used even if the other path is cheaper', () => {
    assert.deepEqual(scids(mustRoute(req([first(71n, 2, 10_000_000n), first(72n, 3, 10_000_000n)]))), [
      71n,
      24n,
    ]);
    // 1,001,000 msat must cross our channel to 2: 1,000,999 spendable is one short.
    assert.deepEqual(scids(mustRoute(req([first(71n, 2, 1_000_999n), first(72n, 3, 10_000_000n)]))), [
      72n,
      34n,
    ]);
    assert.deepEqual(scids(mustRoute(req([first(71n, 2, 1_001_000n), first(72n, 3, 10_000_000n)]))), [
      71n,
      24n,
    ]);
  });

  test('no channel can send the amount: insufficient-balance', () => {
    const r = findRoute(req([first(71n, 2, 999_999n), first(72n, 3, 500_000n)]));
    assert.equal(r.kind === 'no-route' && r.reason, 'insufficient-balance');
  });

  test('in-flight HTLCs reduce a first hop balance', () => {
    const hops = [first(71n, 2, 2_000_000n), first(72n, 3, 10_000_000n)];
    const inFlight = [{ shortChannelId: 71n, direction: 0 as const, amountMsat: 1_000_000n }];
    assert.deepEqual(scids(mustRoute(req(hops, { inFlight }))), [72n, 34n]);
  });

  test('the peer htlc minimum and our htlc maximum apply', () => {
    const big = first(71n, 2, 10_000_000n, { htlcMinimumMsat: 1_001_001n });
    assert.deepEqual(scids(mustRoute(req([big, first(72n, 3, 10_000_000n)]))), [72n, 34n]);
    const capped = first(71n, 2, 10_000_000n, { htlcMaximumMsat: 1_000_000n });
    assert.deepEqual(scids(mustRoute(req([capped, first(72n, 3, 10_000_000n)]))), [72n, 34n]);
  });

  test('a private peer that is the destination is one hop away', () => {
    const route = mustRoute({ ...req([first(73n, 9, 5_000_000n)]), destination: nid(9) });
    assert.deepEqual(scids(route), [73n]);
    assert.equal(route.totalAmountMsat, 1_000_000n);
    assert.equal(route.totalCltvDelta, 40);
  });

  test('our public channels in the graph are ignored when first hops are given', () => {
    const withUs = buildGraph([
      { scid: 12n, a: 1, b: 2 },
      { scid: 24n, a: 2, b: 4 },
      { scid: 13n, a: 1, b: 3 },
      { scid: 34n, a: 3, b: 4, ab: { base: 5000 } },
    ]);
    const r = { ...req([first(13n, 3, 10_000_000n)]), graph: withUs };
    assert.deepEqual(scids(mustRoute(r)), [13n, 34n]);
    assert.deepEqual(scids(mustRoute({ ...r, firstHopChannels: undefined })), [12n, 24n]);
  });

  test('first hops combine with route hints', () => {
    const route = mustRoute({
      ...req([first(72n, 3, 10_000_000n)]),
      destination: nid(99),
      routeHints: [
        [
          {
            nodeId: nid(5),
            shortChannelId: 950n,
            feeBaseMsat: 10n,
            feeProportionalMillionths: 0,
            cltvExpiryDelta: 6,
          },
        ],
      ],
    });
    assert.deepEqual(scids(route), [72n, 35n, 950n]);
    assert.equal(route.totalFeeMsat, 10n);
  });
});
