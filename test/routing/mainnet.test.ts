// The real mainnet graph snapshot (../shared/data): load it, route between fixed pairs, and check every
// hop of every route with the independent checker.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import {
  ChannelGraph,
  type FindRouteRequest,
  findRoute,
  loadDescribeGraph,
  nodeIdFromHex,
  type Route,
  routeInFlight,
  Scorer,
  splitPayment,
} from '../../src/routing/index.js';
import { checkRoute } from './helpers.js';

const dataUrl = new URL('../../../shared/data/mainnet-graph-2026-02-03.json.gz', import.meta.url);
const pairsUrl = new URL('../fixtures/routing/mainnet-pairs.json', import.meta.url);

// Timed in CPU time as well as wall time: the suite shares its cores with other processes.
const wall0 = performance.now();
const cpu0 = process.cpuUsage();
const json: unknown = JSON.parse(gunzipSync(readFileSync(dataUrl)).toString('utf8'));
const graph = new ChannelGraph();
const report = loadDescribeGraph(graph, json);
const cpu = process.cpuUsage(cpu0);
const loadCpuMs = (cpu.user + cpu.system) / 1000;
const loadWallMs = performance.now() - wall0;

const { pairs } = JSON.parse(readFileSync(pairsUrl, 'utf8')) as {
  pairs: { source: string; sourceAlias: string; destination: string; destinationAlias: string }[];
};
const id = (hex: string): Uint8Array => {
  const n = nodeIdFromHex(hex);
  assert.ok(n, hex);
  return n;
};
const ACINQ = id('03864ef025fde8fb587d989186ce6a4a186895ee44a926bfc370e2c366597a3f8f');
const KRAKEN = id('02f1a8c87607f415c8f22c00593002775941dea48869ce23096af27b0cfdcc0b69');
const BOLTZ = id('026165850492521f4ac8abd9bd8088123446d126f648ca35e60f88177dc149ceb2');
const HEIGHT = 934_000;

function mustRoute(req: FindRouteRequest): Route {
  const r = findRoute(req);
  assert.equal(r.kind, 'route', r.kind === 'no-route' ? r.message : '');
  if (r.kind !== 'route') throw new Error('unreachable');
  assert.deepEqual(checkRoute(req, r.route), []);
  return r.route;
}

describe('mainnet graph snapshot', () => {
  test('loads in under 5 s with the figures its README states', (t) => {
    t.diagnostic(`load: ${loadWallMs.toFixed(0)} ms wall, ${loadCpuMs.toFixed(0)} ms CPU`);
    assert.ok(loadCpuMs < 5000, `load took ${loadCpuMs.toFixed(0)} ms of CPU`);
    assert.equal(report.nodes, 17_324);
    assert.equal(report.channels, 50_808);
    // 31,917 channels with both policies and 1,976 with one.
    assert.equal(report.policies, 31_917 * 2 + 1_976);
    assert.equal(report.skippedChannels + report.skippedPolicies + report.skippedNodes, 0);
    assert.equal(graph.getNode(ACINQ)?.alias, 'ACINQ');
    assert.equal(graph.getNode(ACINQ)?.channelCount, 1_989);
  });

  test('routes between fixed pairs, both ways, at three amounts; every hop obeys its policy', () => {
    let routes = 0;
    for (const p of pairs) {
      for (const [s, d] of [
        [p.source, p.destination],
        [p.destination, p.source],
      ] as const) {
        for (const amountMsat of [1_000_000n, 10_000_000n]) {
          const route = mustRoute({
            graph,
            source: id(s),
            destination: id(d),
            amountMsat,
            finalCltvDelta: 40,
            currentHeight: HEIGHT,
          });
          assert.ok(route.hops.length >= 1 && route.hops.length <= 20);
          assert.ok(route.successProbability > 0 && route.successProbability <= 1);
          routes++;
        }
      }
    }
    assert.equal(routes, pairs.length * 4);
    // A bigger amount, where a route may not exist: whatever comes back is valid or a reason.
    for (const p of pairs) {
      const req = {
        graph,
        source: id(p.source),
        destination: id(p.destination),
        amountMsat: 1_000_000_000n,
        finalCltvDelta: 40,
      };
      const r = findRoute(req);
      if (r.kind === 'route') assert.deepEqual(checkRoute(req, r.route), []);
      else assert.equal(r.reason, 'no-path');
    }
  });

  test('fee and CLTV bounds hold on real routes', () => {
    for (const p of pairs.slice(0, 6)) {
      const base = {
        graph,
        source: id(p.source),
        destination: id(p.destination),
        amountMsat: 10_000_000n,
        finalCltvDelta: 40,
      };
      const free = mustRoute(base);
      const maxCltvExpiryDelta = Math.max(40, free.totalCltvDelta - 1);
      const r = findRoute({ ...base, maxCltvExpiryDelta, maxFeeMsat: free.totalFeeMsat + 5000n });
      if (r.kind === 'route') {
        assert.ok(r.route.totalCltvDelta <= maxCltvExpiryDelta);
        assert.deepEqual(
          checkRoute({ ...base, maxCltvExpiryDelta, maxFeeMsat: free.totalFeeMsat + 5000n }, r.route),
          [],
        );
      }
      if (free.totalFeeMsat > 0n) {
        const tight = findRoute({ ...base, maxFeeMsat: 0n });
        if (tight.kind === 'route') assert.equal(tight.route.totalFeeMsat, 0n);
      }
    }
  });

  test('a private sender with first hops, and a private recipient behind a route hint', () => {
    const me = id(`02${'ab'.repeat(32)}`);
    const privateRecipient = id(`03${'cd'.repeat(32)}`);
    const firstHopChannels = [
      { shortChannelId: 1n, peerNodeId: KRAKEN, spendableMsat: 1_000_000n },
      { shortChannelId: 2n, peerNodeId: ACINQ, spendableMsat: 50_000_000n },
    ];
    const routeHints = [
      [
        {
          nodeId: BOLTZ,
          shortChannelId: 3n,
          feeBaseMsat: 1000n,
          feeProportionalMillionths: 100,
          cltvExpiryDelta: 80,
        },
      ],
    ];
    const req: FindRouteRequest = {
      graph,
      source: me,
      destination: privateRecipient,
      amountMsat: 10_000_000n,
      finalCltvDelta: 40,
      currentHeight: HEIGHT,
      firstHopChannels,
      routeHints,
    };
    const route = mustRoute(req);
    // Kraken's channel cannot carry 10,000 sat.
    assert.equal(route.hops[0]?.shortChannelId, 2n);
    assert.equal(route.hops.at(-1)?.shortChannelId, 3n);
    assert.equal(route.hops.at(-2)?.nodeId.join(), BOLTZ.join());
    // Boltz charges the hint's fee: 1000 + 100 ppm of 10,000,000.
    assert.equal(route.hops.at(-2)?.feeMsat, 2000n);
  });

  test('after a failure, the retry avoids the failed channel unless it is the only way', () => {
    const scorer = new Scorer();
    const now = 1_770_000_000_000;
    let avoided = 0;
    for (const p of pairs.slice(0, 6)) {
      const req: FindRouteRequest = {
        graph,
        source: id(p.source),
        destination: id(p.destination),
        amountMsat: 10_000_000n,
        finalCltvDelta: 40,
        scorer,
        nowMs: now,
      };
      const first = mustRoute(req);
      // A channel in the middle: the erring node could not forward over it.
      const failed = first.hops[first.hops.length >> 1] as Route['hops'][number];
      scorer.paymentFailed(first.hops, failed.shortChannelId, now);
      const r = findRoute({ ...req, nowMs: now + 1000 });
      assert.equal(r.kind, 'route');
      if (r.kind !== 'route') continue;
      assert.deepEqual(checkRoute(req, r.route), []);
      const reused = r.route.hops.some(
        (h) => h.shortChannelId === failed.shortChannelId && h.direction === failed.direction,
      );
      if (reused) {
        // Only acceptable if there is no other way at all.
        assert.equal(findRoute({ ...req, excludedChannels: [failed.shortChannelId] }).kind, 'no-route');
      } else {
        avoided++;
      }
    }
    assert.ok(avoided >= 5, `avoided the failed channel in ${avoided} of 6 retries`);
  });

  test('a payment too large for one path is split, within every channel capacity', () => {
    const req = {
      graph,
      source: ACINQ,
      destination: BOLTZ,
      amountMsat: 8_000_000_000n, // 0.08 BTC
      finalCltvDelta: 40,
      maxParts: 16,
    };
    const r = splitPayment(req);
    assert.equal(r.kind, 'routes', r.kind === 'no-route' ? r.message : '');
    if (r.kind !== 'routes') return;
    assert.equal(
      r.routes.reduce((s, x) => s + x.amountMsat, 0n),
      req.amountMsat,
    );
    const load = new Map<bigint, bigint>();
    for (const route of r.routes) {
      assert.deepEqual(checkRoute({ ...req, amountMsat: route.amountMsat }, route), []);
      for (const f of routeInFlight(route))
        load.set(f.shortChannelId, (load.get(f.shortChannelId) ?? 0n) + f.amountMsat);
    }
    for (const [scid, msat] of load) {
      const cap = graph.getChannel(scid)?.capacitySat;
      assert.ok(cap !== undefined && msat <= cap * 1000n, `channel ${scid} asked for ${msat} msat`);
    }
  });
});
