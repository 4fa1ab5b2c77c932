// Per-search policy overrides (a failure's channel_update, BOLT 4) and excluded nodes: exact routes on
// small graphs, the graph left untouched, and a later search unaffected.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type ChannelGraph,
  type ChannelPolicy,
  type FindRouteRequest,
  type FirstHopChannel,
  findRoute,
  type PolicyOverride,
  type Route,
  type RouteHintHop,
  splitPayment,
} from '../../src/routing/index.js';
import { buildGraph, type ChannelSpec, checkRoute, nid, policy } from './helpers.js';

function mustRoute(req: FindRouteRequest): Route {
  const r = findRoute(req);
  assert.equal(r.kind, 'route', r.kind === 'no-route' ? r.message : '');
  if (r.kind !== 'route') throw new Error('unreachable');
  assert.deepEqual(checkRoute(req, r.route), []);
  return r.route;
}

function noRoute(req: FindRouteRequest): { reason: string; message: string } {
  const r = findRoute(req);
  assert.equal(r.kind, 'no-route');
  if (r.kind !== 'no-route') throw new Error('unreachable');
  return r;
}

const hex = (id: Uint8Array) => Buffer.from(id).toString('hex');
/** Each hop as [scid, node, amt_to_forward, fee, outgoing_cltv_value], and the first HTLC's cltv_expiry. */
const hopsOf = (r: Route) => ({
  hops: r.hops.map((h) => [
    h.shortChannelId,
    hex(h.nodeId),
    h.amtToForwardMsat,
    h.feeMsat,
    h.outgoingCltvValue,
  ]),
  cltvExpiry: r.cltvExpiry,
});
const scids = (r: Route) => r.hops.map((h) => h.shortChannelId);

const AMOUNT = 1_000_000n;
const HEIGHT = 100;
const FINAL = 40;

/** 1 -> 2 -> 4 (2 charges 1000 + 100 ppm) and 1 -> 3 -> 4 (3 charges 2000 + 100 ppm), both delta 40. */
const diamondSpecs = (over: Partial<Record<'s24' | 's34', Partial<ChannelSpec>>> = {}): ChannelSpec[] => [
  { scid: 12n, a: 1, b: 2 },
  { scid: 24n, a: 2, b: 4, ab: { base: 1000, ppm: 100, cltv: 40 }, ...over.s24 },
  { scid: 13n, a: 1, b: 3 },
  { scid: 34n, a: 3, b: 4, ab: { base: 2000, ppm: 100, cltv: 40 }, ...over.s34 },
];

const request = (graph: ChannelGraph, extra: Partial<FindRouteRequest> = {}): FindRouteRequest => ({
  graph,
  source: nid(1),
  destination: nid(4),
  amountMsat: AMOUNT,
  finalCltvDelta: FINAL,
  currentHeight: HEIGHT,
  ...extra,
});

/** The route through `via` (2 or 3), delivering AMOUNT to 4; `fee` and `delta` are what `via` charges. */
const expectedVia = (via: number, fee: bigint, delta: number) => ({
  hops: [
    [via === 2 ? 12n : 13n, hex(nid(via)), AMOUNT, fee, HEIGHT + FINAL],
    [via === 2 ? 24n : 34n, hex(nid(4)), AMOUNT, 0n, HEIGHT + FINAL],
  ],
  cltvExpiry: HEIGHT + FINAL + delta,
});

/** A graph-derived override of one direction of a buildGraph channel (capacity 100,000,000 sat). */
const override = (
  shortChannelId: bigint,
  direction: 0 | 1,
  p: Partial<ChannelPolicy> & { base?: number },
): PolicyOverride => {
  const { base, ...rest } = p;
  return {
    shortChannelId,
    direction,
    policy: { ...policy({ base: base ?? 0 }, 100_000_000n), timestamp: 2, ...rest },
  };
};

/** Everything the graph holds, as plain data (policies and the typed arrays the search reads). */
function snapshot(graph: ChannelGraph): string {
  const v = graph.view();
  const arrays = [v.flags, v.feeBaseMsat, v.feeProportionalMillionths, v.cltvExpiryDelta];
  const doubles = [v.htlcMinimumMsat, v.htlcMaximumMsat, v.capacitySat];
  return JSON.stringify(
    {
      channels: [...graph.channelEntries()],
      nodes: [...graph.nodeEntries()],
      arrays: arrays.map((a) => [...a.subarray(0, v.slotCount * 2)]),
      doubles: doubles.map((a) => [...a.subarray(0, v.slotCount * 2)].map(String)),
      csr: [[...v.inStart], [...v.inEdge], [...v.inFrom]],
    },
    (_k, x) => (typeof x === 'bigint' ? `${x}n` : x instanceof Uint8Array ? hex(x) : x),
  );
}

/** Makes every mutating method of this graph instance throw, for the duration of `f`. */
function frozen<T>(graph: ChannelGraph, f: () => T): T {
  const methods = ['addChannel', 'updatePolicy', 'removeChannel', 'setNodeInfo'] as const;
  const g = graph as unknown as Record<string, unknown>;
  for (const m of methods) {
    g[m] = () => {
      throw new Error(`the search called graph.${m}`);
    };
  }
  try {
    return f();
  } finally {
    for (const m of methods) delete g[m];
  }
}

describe('policy overrides', () => {
  test('without overrides the cheaper path through 2 wins', () => {
    assert.deepEqual(hopsOf(mustRoute(request(buildGraph(diamondSpecs())))), expectedVia(2, 1100n, 40));
  });

  test('a dearer override of 2 -> 4 moves the route to 3; the graph is untouched and later searches use it', () => {
    const graph = buildGraph(diamondSpecs());
    const before = snapshot(graph);
    const req = request(graph, { policyOverrides: [override(24n, 0, { base: 5000, cltvExpiryDelta: 40 })] });
    const route = frozen(graph, () => mustRoute(req));
    assert.deepEqual(hopsOf(route), expectedVia(3, 2100n, 40));
    assert.equal(snapshot(graph), before);
    assert.equal(graph.getPolicy(24n, 0)?.feeBaseMsat, 1000n);
    // The next search without overrides sees the graph's policy again.
    assert.deepEqual(hopsOf(mustRoute(request(graph))), expectedVia(2, 1100n, 40));
  });

  test("the override's fee and delta are what the route pays", () => {
    const graph = buildGraph(diamondSpecs());
    // 3 -> 4 for 300 + 10 ppm and delta 9: cheaper than 2's 1100.
    const o = override(34n, 0, { base: 300, feeProportionalMillionths: 10, cltvExpiryDelta: 9 });
    const route = mustRoute(request(graph, { policyOverrides: [o] }));
    assert.deepEqual(hopsOf(route), expectedVia(3, 310n, 9));
    assert.equal(route.totalFeeMsat, 310n);
    assert.equal(route.cltvExpiry, HEIGHT + FINAL + 9);
    // The other direction of the channel is not the one 3 forwards over: no effect.
    const other = override(34n, 1, { base: 0 });
    assert.deepEqual(
      hopsOf(mustRoute(request(graph, { policyOverrides: [other] }))),
      expectedVia(2, 1100n, 40),
    );
  });

  test('an override can disable a channel, or enable one the graph has disabled', () => {
    const graph = buildGraph(diamondSpecs());
    const off = override(24n, 0, {
      base: 1000,
      feeProportionalMillionths: 100,
      cltvExpiryDelta: 40,
      disabled: true,
    });
    assert.deepEqual(
      hopsOf(mustRoute(request(graph, { policyOverrides: [off] }))),
      expectedVia(3, 2100n, 40),
    );
    const disabledGraph = buildGraph(
      diamondSpecs({ s24: { ab: { base: 1000, ppm: 100, cltv: 40, disabled: true } } }),
    );
    assert.deepEqual(hopsOf(mustRoute(request(disabledGraph))), expectedVia(3, 2100n, 40));
    const on = override(24n, 0, { base: 1000, feeProportionalMillionths: 100, cltvExpiryDelta: 40 });
    assert.deepEqual(
      hopsOf(mustRoute(request(disabledGraph, { policyOverrides: [on] }))),
      expectedVia(2, 1100n, 40),
    );
  });

  test("an override's HTLC limits apply (and a maximum above the capacity makes the channel unusable)", () => {
    const graph = buildGraph(diamondSpecs());
    const via2 = expectedVia(2, 1100n, 40);
    const via3 = expectedVia(3, 2100n, 40);
    // The HTLC over 2 -> 4 carries exactly AMOUNT.
    const cases: [Partial<ChannelPolicy>, unknown][] = [
      [{ htlcMinimumMsat: AMOUNT, htlcMaximumMsat: AMOUNT }, via2],
      [{ htlcMaximumMsat: AMOUNT - 1n }, via3],
      [{ htlcMinimumMsat: AMOUNT + 1n }, via3],
      [{ htlcMaximumMsat: 100_000_000n * 1000n + 1n }, via3],
      [{ htlcMinimumMsat: 10n, htlcMaximumMsat: 9n }, via3],
    ];
    for (const [limits, expected] of cases) {
      const o = override(24n, 0, {
        base: 1000,
        feeProportionalMillionths: 100,
        cltvExpiryDelta: 40,
        ...limits,
      });
      const route = mustRoute(request(graph, { policyOverrides: [o] }));
      assert.deepEqual(
        hopsOf(route),
        expected,
        JSON.stringify(limits, (_k, x) => String(x)),
      );
    }
  });

  test('an override gives a policy to a direction the graph has none for', () => {
    const specs = diamondSpecs({ s24: { ab: undefined, ba: {} } });
    const graph = buildGraph(specs, false);
    // buildGraph(…, false) sets only the given directions: 1 <-> 2 and 1 <-> 3 need theirs.
    graph.updatePolicy(12n, 0, policy({}, 100_000_000n));
    graph.updatePolicy(13n, 0, policy({}, 100_000_000n));
    assert.equal(graph.getPolicy(24n, 0), undefined);
    assert.deepEqual(hopsOf(mustRoute(request(graph))), expectedVia(3, 2100n, 40));
    const o = override(24n, 0, { base: 1000, feeProportionalMillionths: 100, cltvExpiryDelta: 40 });
    assert.deepEqual(hopsOf(mustRoute(request(graph, { policyOverrides: [o] }))), expectedVia(2, 1100n, 40));
    assert.equal(graph.getPolicy(24n, 0), undefined);
  });

  test('an override and an in-flight amount on the same channel both count', () => {
    const graph = buildGraph(diamondSpecs({ s24: { capacitySat: 20_000n } }));
    const cheap = override(24n, 0, { base: 0, htlcMaximumMsat: 20_000_000n });
    assert.deepEqual(hopsOf(mustRoute(request(graph, { policyOverrides: [cheap] }))), expectedVia(2, 0n, 0));
    // 19,500,000 msat already on 2 -> 4 leaves less than AMOUNT of its 20,000,000.
    const inFlight = [{ shortChannelId: 24n, direction: 0 as const, amountMsat: 19_500_000n }];
    assert.deepEqual(
      hopsOf(mustRoute(request(graph, { policyOverrides: [cheap], inFlight }))),
      expectedVia(3, 2100n, 40),
    );
  });

  test('overrides of unknown channels are ignored; our first hops are not overridden', () => {
    const graph = buildGraph(diamondSpecs());
    const unknown = override(999n, 0, { base: 1 });
    assert.deepEqual(
      hopsOf(mustRoute(request(graph, { policyOverrides: [unknown] }))),
      expectedVia(2, 1100n, 40),
    );
    const firstHopChannels: FirstHopChannel[] = [
      { shortChannelId: 12n, peerNodeId: nid(2), spendableMsat: 10n ** 9n },
    ];
    const tiny = override(12n, 0, { htlcMaximumMsat: 1n, disabled: true });
    assert.deepEqual(
      hopsOf(mustRoute(request(graph, { firstHopChannels, policyOverrides: [tiny] }))),
      expectedVia(2, 1100n, 40),
    );
  });

  test("a route hint's channel takes the override of its direction", () => {
    // Public 1 - 2; private 2 -> 99 over 900, known from the hint only.
    const graph = buildGraph([{ scid: 12n, a: 1, b: 2 }]);
    const hint: RouteHintHop[] = [
      {
        nodeId: nid(2),
        shortChannelId: 900n,
        feeBaseMsat: 50n,
        feeProportionalMillionths: 0,
        cltvExpiryDelta: 20,
      },
    ];
    const req = (policyOverrides: PolicyOverride[]) =>
      request(graph, { destination: nid(99), routeHints: [hint], policyOverrides });
    const at = (fee: bigint, delta: number) => ({
      hops: [
        [12n, hex(nid(2)), AMOUNT, fee, HEIGHT + FINAL],
        [900n, hex(nid(99)), AMOUNT, 0n, HEIGHT + FINAL],
      ],
      cltvExpiry: HEIGHT + FINAL + delta,
    });
    assert.deepEqual(hopsOf(mustRoute(req([]))), at(50n, 20));
    // 2 < 99, so 2 forwards over 900 in direction 0.
    const o = override(900n, 0, { base: 7000, feeProportionalMillionths: 1000, cltvExpiryDelta: 30 });
    assert.deepEqual(hopsOf(mustRoute(req([o]))), at(7000n + 1000n, 30));
    assert.deepEqual(hopsOf(mustRoute(req([override(900n, 1, { base: 7000 })]))), at(50n, 20));
    assert.equal(noRoute(req([{ ...o, policy: { ...o.policy, disabled: true } }])).reason, 'no-path');
    assert.equal(
      noRoute(req([{ ...o, policy: { ...o.policy, htlcMaximumMsat: AMOUNT - 1n } }])).reason,
      'no-path',
    );
    assert.equal(hint[0]?.feeBaseMsat, 50n);
  });

  test('malformed or duplicate overrides make the request invalid', () => {
    const graph = buildGraph(diamondSpecs());
    const o = override(24n, 0, { base: 5 });
    const invalid = (policyOverrides: PolicyOverride[], pattern: RegExp) => {
      const r = noRoute(request(graph, { policyOverrides }));
      assert.equal(r.reason, 'invalid-request');
      assert.match(r.message, pattern);
    };
    invalid([o, override(24n, 0, { base: 6 })], /two policy overrides for 0x0x24 direction 0/);
    invalid([{ ...o, direction: 2 as 0 }], /direction is not 0 or 1/);
    invalid([{ ...o, shortChannelId: -1n }], /shortChannelId is not a u64/);
    invalid([{ ...o, policy: { ...o.policy, feeBaseMsat: 1n << 32n } }], /feeBaseMsat is not a u32/);
    invalid(
      [{ ...o, policy: { ...o.policy, feeProportionalMillionths: 2 ** 32 } }],
      /feeProportionalMillionths/,
    );
    invalid([{ ...o, policy: { ...o.policy, cltvExpiryDelta: 65536 } }], /cltvExpiryDelta is not a u16/);
    invalid([{ ...o, policy: { ...o.policy, htlcMaximumMsat: 1n << 64n } }], /htlcMaximumMsat is not a u64/);
    // Both directions of one channel are two overrides, not a duplicate.
    assert.deepEqual(
      hopsOf(mustRoute(request(graph, { policyOverrides: [o, override(24n, 1, { base: 6 })] }))),
      expectedVia(2, 5n, 0),
    );
  });
});

describe('excluded nodes', () => {
  test('an excluded intermediate node is avoided; a later search may use it again', () => {
    const graph = buildGraph(diamondSpecs());
    const before = snapshot(graph);
    const route = frozen(graph, () => mustRoute(request(graph, { excludedNodes: [nid(2)] })));
    assert.deepEqual(hopsOf(route), expectedVia(3, 2100n, 40));
    assert.equal(snapshot(graph), before);
    assert.deepEqual(hopsOf(mustRoute(request(graph))), expectedVia(2, 1100n, 40));
    const none = noRoute(request(graph, { excludedNodes: [nid(2), nid(3)] }));
    assert.equal(none.reason, 'no-path');
  });

  test('an excluded destination: no route, and the reason says so', () => {
    const graph = buildGraph(diamondSpecs());
    const r = noRoute(request(graph, { excludedNodes: [nid(3), nid(4)] }));
    assert.equal(r.reason, 'excluded-destination');
    assert.match(r.message, /destination is one of the excluded nodes/);
    const split = splitPayment({ ...request(graph, { excludedNodes: [nid(4)] }), maxParts: 4 });
    assert.equal(split.kind === 'no-route' && split.reason, 'excluded-destination');
  });

  test('the source and unknown nodes change nothing; a malformed id is an invalid request', () => {
    const graph = buildGraph(diamondSpecs());
    const excludedNodes = [nid(1), nid(77)];
    assert.deepEqual(hopsOf(mustRoute(request(graph, { excludedNodes }))), expectedVia(2, 1100n, 40));
    const r = noRoute(request(graph, { excludedNodes: [new Uint8Array(32)] }));
    assert.equal(r.reason, 'invalid-request');
    assert.match(r.message, /excluded node is not a 33-byte node id/);
  });

  test('an excluded peer of ours: the route leaves over another first hop', () => {
    const graph = buildGraph(diamondSpecs());
    const firstHopChannels: FirstHopChannel[] = [
      { shortChannelId: 12n, peerNodeId: nid(2), spendableMsat: 10n ** 9n },
      { shortChannelId: 13n, peerNodeId: nid(3), spendableMsat: 10n ** 9n },
    ];
    assert.deepEqual(scids(mustRoute(request(graph, { firstHopChannels }))), [12n, 24n]);
    assert.deepEqual(
      hopsOf(mustRoute(request(graph, { firstHopChannels, excludedNodes: [nid(2)] }))),
      expectedVia(3, 2100n, 40),
    );
  });

  test('a node known only from a route hint can be excluded', () => {
    // 1 - 2 public; 2 -> 98 -> 99 private, from a two-hop hint.
    const graph = buildGraph([{ scid: 12n, a: 1, b: 2 }]);
    const h = (from: number, scid: bigint): RouteHintHop => ({
      nodeId: nid(from),
      shortChannelId: scid,
      feeBaseMsat: 10n,
      feeProportionalMillionths: 0,
      cltvExpiryDelta: 10,
    });
    const req = (excludedNodes: Uint8Array[]) =>
      request(graph, { destination: nid(99), routeHints: [[h(2, 900n), h(98, 901n)]], excludedNodes });
    assert.deepEqual(scids(mustRoute(req([]))), [12n, 900n, 901n]);
    assert.equal(noRoute(req([nid(98)])).reason, 'no-path');
    assert.equal(noRoute(req([nid(2)])).reason, 'no-path');
  });

  test('every part of a split payment avoids the excluded node', () => {
    // Three paths 1 -> {2, 3, 5} -> 4 of 600,000 msat each; 2 is excluded, so two parts via 3 and 5.
    const small = { capacitySat: 600n };
    const graph = buildGraph([
      ...diamondSpecs({ s24: small, s34: small }),
      { scid: 15n, a: 1, b: 5 },
      { scid: 54n, a: 5, b: 4, ab: { base: 3000, ppm: 100, cltv: 40, max: 600_000n }, ...small },
    ]);
    const r = splitPayment({
      ...request(graph, { excludedNodes: [nid(2)], maxFeeMsat: 100_000n }),
      maxParts: 4,
    });
    assert.equal(r.kind, 'routes', r.kind === 'no-route' ? r.message : '');
    if (r.kind !== 'routes') return;
    const firstHops = r.routes.map((x) => hex(x.hops[0]!.nodeId)).sort();
    assert.ok(!firstHops.includes(hex(nid(2))));
    assert.deepEqual(new Set(firstHops), new Set([hex(nid(3)), hex(nid(5))]));
    assert.equal(
      r.routes.reduce((s, x) => s + x.amountMsat, 0n),
      AMOUNT,
    );
  });
});
