import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { hexToBytes } from '../../src/crypto/index.js';
import {
  ChannelGraph,
  type FindRouteRequest,
  findRoute,
  parseShortChannelId,
  type Route,
  Scorer,
} from '../../src/routing/index.js';
import { buildGraph, type ChannelSpec, checkRoute, nid } from './helpers.js';

interface Bolt7Example {
  nodes: Record<string, string>;
  channels: { scid: string; between: [string, string] }[];
  capacitySat: string;
  channelUpdates: {
    from: string;
    to: string;
    cltvExpiryDelta: number;
    feeBaseMsat: string;
    feeProportionalMillionths: number;
  }[];
  payment: { amountMsat: string; minFinalCltvExpiryDelta: number; shadowRouteCltv: number };
  routes: {
    name: string;
    path: string[];
    firstHtlc: { amountMsat: string; cltvExpiryDelta: number };
    payloads: { node: string; amtToForwardMsat: string; outgoingCltvDelta: number }[];
  }[];
}

const example = JSON.parse(
  readFileSync(new URL('../fixtures/routing/bolt7-routing-example.json', import.meta.url), 'utf8'),
) as Bolt7Example;

function mustRoute(req: FindRouteRequest): Route {
  const r = findRoute(req);
  assert.equal(r.kind, 'route', r.kind === 'no-route' ? r.message : '');
  if (r.kind !== 'route') throw new Error('unreachable');
  assert.deepEqual(checkRoute(req, r.route), []);
  return r.route;
}

const scids = (r: Route) => r.hops.map((h) => h.shortChannelId);
const hexId = (id: Uint8Array) => Buffer.from(id).toString('hex');

describe('BOLT 7 routing example', () => {
  const id = (name: string) => hexToBytes(example.nodes[name] as string);
  const scidOf = (a: string, b: string) => {
    const c = example.channels.find((x) => x.between.includes(a) && x.between.includes(b));
    return parseShortChannelId(c?.scid ?? '') as bigint;
  };
  const graph = new ChannelGraph();
  for (const c of example.channels) {
    const [a, b] = c.between.map(id) as [Uint8Array, Uint8Array];
    const [node1, node2] = hexId(a) < hexId(b) ? [a, b] : [b, a];
    graph.addChannel({
      shortChannelId: parseShortChannelId(c.scid) as bigint,
      node1,
      node2,
      capacitySat: BigInt(example.capacitySat),
    });
  }
  for (const u of example.channelUpdates) {
    const direction = hexId(id(u.from)) < hexId(id(u.to)) ? 0 : 1;
    const result = graph.updatePolicy(scidOf(u.from, u.to), direction, {
      feeBaseMsat: BigInt(u.feeBaseMsat),
      feeProportionalMillionths: u.feeProportionalMillionths,
      cltvExpiryDelta: u.cltvExpiryDelta,
      htlcMinimumMsat: 0n,
      htlcMaximumMsat: BigInt(example.capacitySat) * 1000n,
      disabled: false,
      timestamp: 1,
    });
    assert.equal(result, 'updated');
  }
  const height = 700_000;
  const base: FindRouteRequest = {
    graph,
    source: id('A'),
    destination: id('C'),
    amountMsat: BigInt(example.payment.amountMsat),
    finalCltvDelta: example.payment.minFinalCltvExpiryDelta + example.payment.shadowRouteCltv,
    currentHeight: height,
  };

  const expectRoute = (route: Route, name: string) => {
    const want = example.routes.find((r) => r.name === name);
    assert.ok(want);
    assert.deepEqual(
      route.hops.map((h) => hexId(h.nodeId)),
      want.path.slice(1).map((n) => example.nodes[n]),
    );
    assert.equal(route.totalAmountMsat, BigInt(want.firstHtlc.amountMsat));
    assert.equal(route.cltvExpiry, height + want.firstHtlc.cltvExpiryDelta);
    assert.equal(route.totalCltvDelta, want.firstHtlc.cltvExpiryDelta);
    want.payloads.forEach((p, i) => {
      assert.equal(route.hops[i]?.amtToForwardMsat, BigInt(p.amtToForwardMsat));
      assert.equal(route.hops[i]?.outgoingCltvValue, height + p.outgoingCltvDelta);
    });
  };

  test('the cheapest route is A->B->C with the spec amounts and expiries', () => {
    const route = mustRoute(base);
    expectRoute(route, 'A->B->C');
    assert.equal(route.totalFeeMsat, 10199n);
    assert.deepEqual(scids(route), [scidOf('A', 'B'), scidOf('B', 'C')]);
  });

  test('without A-B the route is A->D->C with the spec amounts and expiries', () => {
    const route = mustRoute({ ...base, excludedChannels: [scidOf('A', 'B')] });
    expectRoute(route, 'A->D->C');
    assert.equal(route.totalFeeMsat, 20399n);
  });
});

describe('fees and CLTV deltas compound backwards', () => {
  // 1 -> 2 -> 3 -> 4 -> 5; each node's policy is what it charges to forward to the next.
  const channels: ChannelSpec[] = [
    { scid: 12n, a: 1, b: 2, ab: { base: 99_999, ppm: 500_000, cltv: 999 } }, // ours: ignored
    { scid: 23n, a: 2, b: 3, ab: { base: 1000, ppm: 1000, cltv: 40 } },
    { scid: 34n, a: 3, b: 4, ab: { base: 500, ppm: 10_000, cltv: 144 } },
    { scid: 45n, a: 4, b: 5, ab: { base: 0, ppm: 100_000, cltv: 18 } },
  ];
  const graph = buildGraph(channels, false);
  const req: FindRouteRequest = {
    graph,
    source: nid(1),
    destination: nid(5),
    amountMsat: 1_000_000n,
    finalCltvDelta: 40,
    currentHeight: 800_000,
  };

  test('each hop is charged on the amount it forwards, rounded down', () => {
    const route = mustRoute(req);
    // Worked by hand: 4 charges 10% of 1,000,000; 3 charges 500 + 1% of 1,100,000;
    // 2 charges 1000 + 0.1% of 1,111,500 (1111.5, rounded down).
    assert.deepEqual(
      route.hops.map((h) => [
        hexId(h.nodeId),
        h.shortChannelId,
        h.amtToForwardMsat,
        h.feeMsat,
        h.outgoingCltvValue,
      ]),
      [
        [hexId(nid(2)), 12n, 1_111_500n, 2111n, 800_202],
        [hexId(nid(3)), 23n, 1_100_000n, 11_500n, 800_058],
        [hexId(nid(4)), 34n, 1_000_000n, 100_000n, 800_040],
        [hexId(nid(5)), 45n, 1_000_000n, 0n, 800_040],
      ],
    );
    assert.equal(route.totalAmountMsat, 1_113_611n);
    assert.equal(route.totalFeeMsat, 113_611n);
    assert.equal(route.cltvExpiry, 800_242);
    assert.equal(route.totalCltvDelta, 242);
    assert.deepEqual(
      route.hops.map((h) => h.direction),
      [0, 0, 0, 0],
    );
  });

  test('without a current height the CLTVs are relative', () => {
    const { currentHeight: _, ...relative } = req;
    const route = mustRoute(relative);
    assert.deepEqual(
      route.hops.map((h) => h.outgoingCltvValue),
      [202, 58, 40, 40],
    );
    assert.equal(route.cltvExpiry, 242);
  });

  test('max fee is a hard bound, inclusive', () => {
    assert.equal(mustRoute({ ...req, maxFeeMsat: 113_611n }).totalFeeMsat, 113_611n);
    const r = findRoute({ ...req, maxFeeMsat: 113_610n });
    assert.equal(r.kind, 'no-route');
    assert.equal(r.kind === 'no-route' && r.reason, 'no-path');
  });

  test('max CLTV is a hard bound on the first expiry minus the height, inclusive', () => {
    assert.equal(mustRoute({ ...req, maxCltvExpiryDelta: 242 }).totalCltvDelta, 242);
    const r = findRoute({ ...req, maxCltvExpiryDelta: 241 });
    assert.equal(r.kind === 'no-route' && r.reason, 'no-path');
  });

  test('a direction without a channel_update cannot be used', () => {
    const r = findRoute({ ...req, source: nid(5), destination: nid(1) });
    assert.equal(r.kind === 'no-route' && r.reason, 'no-path');
  });
});

describe('choosing between two paths', () => {
  // 1 -> 2 -> 4 (cheap) and 1 -> 3 -> 4 (dearer); amount 1,000,000 msat.
  const make = (via2: ChannelSpec['ab'] = {}, via3: ChannelSpec['ab'] = {}, cap2?: bigint) =>
    buildGraph([
      { scid: 12n, a: 1, b: 2 },
      { scid: 13n, a: 1, b: 3 },
      { scid: 24n, a: 2, b: 4, ab: { base: 1000, cltv: 40, ...via2 }, capacitySat: cap2 },
      { scid: 34n, a: 3, b: 4, ab: { base: 5000, cltv: 40, ...via3 } },
    ]);
  const req = (graph: ChannelGraph, extra: Partial<FindRouteRequest> = {}): FindRouteRequest => ({
    graph,
    source: nid(1),
    destination: nid(4),
    amountMsat: 1_000_000n,
    finalCltvDelta: 40,
    ...extra,
  });

  test('the cheaper path wins', () => {
    const route = mustRoute(req(make()));
    assert.deepEqual(scids(route), [12n, 24n]);
    assert.equal(route.totalFeeMsat, 1000n);
  });

  test('htlc_maximum_msat below the amount rules a channel out; equal to it does not', () => {
    assert.deepEqual(scids(mustRoute(req(make({ max: 999_999n })))), [13n, 34n]);
    assert.deepEqual(scids(mustRoute(req(make({ max: 1_000_000n })))), [12n, 24n]);
  });

  test('htlc_minimum_msat above the amount rules a channel out; equal to it does not', () => {
    assert.deepEqual(scids(mustRoute(req(make({ min: 1_000_001n })))), [13n, 34n]);
    assert.deepEqual(scids(mustRoute(req(make({ min: 1_000_000n })))), [12n, 24n]);
  });

  test('the amount a hop carries includes the fees of the hops after it', () => {
    // Channel 1-2 carries 1,001,000 msat (2's fee included): a maximum of 1,000,999 rules it out.
    const graph = buildGraph([
      { scid: 12n, a: 1, b: 2, ab: { max: 1_000_999n } },
      { scid: 13n, a: 1, b: 3 },
      { scid: 24n, a: 2, b: 4, ab: { base: 1000 } },
      { scid: 34n, a: 3, b: 4, ab: { base: 5000 } },
    ]);
    assert.deepEqual(scids(mustRoute(req(graph))), [13n, 34n]);
  });

  test('a disabled channel is not used; with both disabled there is no path', () => {
    assert.deepEqual(scids(mustRoute(req(make({ disabled: true })))), [13n, 34n]);
    const r = findRoute(req(make({ disabled: true }, { disabled: true })));
    assert.equal(r.kind === 'no-route' && r.reason, 'no-path');
  });

  test('a capacity below the amount rules a channel out', () => {
    // 999 sat of capacity (and htlc_maximum_msat) cannot carry 1,000,000 msat.
    assert.deepEqual(scids(mustRoute(req(make({ max: 999_000n }, {}, 999n)))), [13n, 34n]);
  });

  test('BOLT 7: htlc_maximum_msat above the capacity makes a channel ignored', () => {
    assert.deepEqual(scids(mustRoute(req(make({ max: 1_000_001n }, {}, 1000n)))), [13n, 34n]);
  });

  test('max CLTV steers to the path with smaller deltas', () => {
    const graph = make({ cltv: 500 }, { cltv: 10 });
    assert.deepEqual(scids(mustRoute(req(graph))), [12n, 24n]);
    const route = mustRoute(req(graph, { maxCltvExpiryDelta: 100 }));
    assert.deepEqual(scids(route), [13n, 34n]);
    assert.equal(route.totalCltvDelta, 50);
  });

  test('the CLTV price can outweigh a small fee difference', () => {
    // 2 asks 100 msat less than 3 but 1000 more blocks: 1000 * 5 msat/block outweighs 100 msat.
    const graph = make({ base: 4900, cltv: 1040 }, { base: 5000, cltv: 40 });
    assert.deepEqual(scids(mustRoute(req(graph))), [13n, 34n]);
    const free = { cltvPriceMsatPerBlock: 0, cltvPricePpmPerBlock: 0 };
    assert.deepEqual(scids(mustRoute(req(graph, { costParams: free }))), [12n, 24n]);
  });

  test('the liquidity price prefers a big channel over a slightly cheaper small one', () => {
    // 1.1x the amount of capacity: P(success) = 100,001/1,100,001, -ln(P) = 2.4, priced ~50,000 msat.
    const graph = buildGraph([
      { scid: 12n, a: 1, b: 2 },
      { scid: 13n, a: 1, b: 3 },
      { scid: 24n, a: 2, b: 4, ab: { base: 1000 }, capacitySat: 1100n },
      { scid: 34n, a: 3, b: 4, ab: { base: 2000 } },
    ]);
    assert.deepEqual(scids(mustRoute(req(graph))), [13n, 34n]);
    const riskFree = { liquidityPenaltyMsat: 0, liquidityPenaltyAmountPpm: 0 };
    assert.deepEqual(scids(mustRoute(req(graph, { costParams: riskFree }))), [12n, 24n]);
    const route = mustRoute(req(graph, { costParams: riskFree }));
    // Channel 1-2 carries 1,001,000 msat of 10^11; channel 2-4 carries 1,000,000 of 1,100,000.
    const expected = ((1e11 + 1 - 1_001_000) / (1e11 + 1)) * (100_001 / 1_100_001);
    assert.ok(Math.abs(route.successProbability - expected) < 1e-12, `${route.successProbability}`);
  });

  test('excluded channels are avoided in both directions', () => {
    assert.deepEqual(scids(mustRoute(req(make(), { excludedChannels: [24n] }))), [13n, 34n]);
    const r = findRoute(req(make(), { excludedChannels: new Set([24n, 13n]) }));
    assert.equal(r.kind === 'no-route' && r.reason, 'no-path');
  });

  test('in-flight HTLCs use up capacity', () => {
    const graph = make({}, {}, 1500n);
    const costParams = { liquidityPenaltyMsat: 0, liquidityPenaltyAmountPpm: 0 };
    assert.deepEqual(scids(mustRoute(req(graph, { costParams }))), [12n, 24n]);
    const inFlight = [{ shortChannelId: 24n, direction: 0 as const, amountMsat: 500_001n }];
    assert.deepEqual(scids(mustRoute(req(graph, { inFlight, costParams }))), [13n, 34n]);
    // Exactly the remaining capacity is still usable; the other direction's HTLCs do not matter.
    const fits = [{ shortChannelId: 24n, direction: 0 as const, amountMsat: 500_000n }];
    assert.deepEqual(scids(mustRoute(req(graph, { inFlight: fits, costParams }))), [12n, 24n]);
    const other = [{ shortChannelId: 24n, direction: 1 as const, amountMsat: 1_000_000n }];
    assert.deepEqual(scids(mustRoute(req(graph, { inFlight: other, costParams }))), [12n, 24n]);
  });

  test('our own channel: its fee is ignored but its limits are not', () => {
    const graph = buildGraph([
      { scid: 12n, a: 1, b: 2, ab: { base: 1_000_000, max: 999_999n } },
      { scid: 13n, a: 1, b: 3, ab: { base: 1_000_000 } },
      { scid: 24n, a: 2, b: 4 },
      { scid: 34n, a: 3, b: 4, ab: { base: 10 } },
    ]);
    const route = mustRoute(req(graph));
    assert.deepEqual(scids(route), [13n, 34n]);
    assert.equal(route.totalFeeMsat, 10n);
  });
});

describe('hop limit', () => {
  // A line 0 -> 1 -> ... -> 21.
  const channels: ChannelSpec[] = [];
  for (let i = 0; i < 21; i++)
    channels.push({ scid: BigInt(1000 + i), a: i, b: i + 1, ab: { base: 1, cltv: 10 } });
  const graph = buildGraph(channels, false);
  const req = (dest: number, maxHops?: number): FindRouteRequest => ({
    graph,
    source: nid(0),
    destination: nid(dest),
    amountMsat: 1000n,
    finalCltvDelta: 10,
    ...(maxHops === undefined ? {} : { maxHops }),
  });

  test('BOLT 4 allows 20 hops and no more', () => {
    const route = mustRoute(req(20));
    assert.equal(route.hops.length, 20);
    assert.equal(route.totalFeeMsat, 19n);
    assert.equal(route.totalCltvDelta, 10 + 19 * 10);
    const r = findRoute(req(21));
    assert.equal(r.kind === 'no-route' && r.reason, 'no-path');
  });

  test('a smaller maxHops is honoured', () => {
    assert.equal(mustRoute(req(3, 3)).hops.length, 3);
    assert.equal(findRoute(req(4, 3)).kind, 'no-route');
    assert.equal(findRoute(req(4, 21)).kind, 'no-route');
  });
});

describe('requests that cannot be routed say why', () => {
  const graph = buildGraph([{ scid: 12n, a: 1, b: 2 }]);
  const base: FindRouteRequest = {
    graph,
    source: nid(1),
    destination: nid(2),
    amountMsat: 1000n,
    finalCltvDelta: 18,
  };
  const reason = (extra: Partial<FindRouteRequest>) => {
    const r = findRoute({ ...base, ...extra });
    return r.kind === 'no-route' ? r.reason : 'route';
  };

  test('invalid requests', () => {
    assert.equal(reason({}), 'route');
    assert.equal(reason({ amountMsat: 0n }), 'invalid-request');
    assert.equal(reason({ amountMsat: 1n << 60n }), 'invalid-request');
    assert.equal(reason({ destination: nid(1) }), 'invalid-request');
    assert.equal(reason({ source: new Uint8Array(32) }), 'invalid-request');
    assert.equal(reason({ finalCltvDelta: -1 }), 'invalid-request');
    assert.equal(reason({ finalCltvDelta: 3000 }), 'invalid-request');
    assert.equal(reason({ maxHops: 21 }), 'invalid-request');
    assert.equal(reason({ scorer: new Scorer() }), 'invalid-request');
    assert.equal(
      reason({
        routeHints: [
          [
            {
              nodeId: nid(2),
              shortChannelId: 5n,
              feeBaseMsat: 1n << 32n,
              feeProportionalMillionths: 0,
              cltvExpiryDelta: 0,
            },
          ],
        ],
      }),
      'invalid-request',
    );
  });

  test('unknown source and destination', () => {
    assert.equal(reason({ source: nid(7) }), 'unknown-source');
    assert.equal(reason({ destination: nid(7) }), 'unknown-destination');
  });

  test('the same graph answers repeated and interleaved searches identically', () => {
    const a = findRoute(base);
    findRoute({ ...base, source: nid(2), destination: nid(1) });
    const b = findRoute(base);
    assert.deepEqual(a, b);
  });
});
