// Property tests: on random small graphs, compare findRoute with a brute force over every simple path
// (also with per-search policy overrides and excluded nodes, applied to the brute force's edges).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { type FindRouteRequest, findRoute, type PolicyOverride } from '../../src/routing/index.js';
import { buildGraph, type ChannelSpec, checkRoute, nid, type PolicySpec, policy } from './helpers.js';

interface Edge {
  scid: bigint;
  from: number;
  to: number;
  p: PolicySpec;
  capacityMsat: bigint;
}

function edgesOf(channels: readonly ChannelSpec[]): Edge[] {
  const out: Edge[] = [];
  for (const c of channels) {
    const capacityMsat = (c.capacitySat ?? 100_000_000n) * 1000n;
    if (c.ab) out.push({ scid: c.scid, from: c.a, to: c.b, p: c.ab, capacityMsat });
    if (c.ba) out.push({ scid: c.scid, from: c.b, to: c.a, p: c.ba, capacityMsat });
  }
  return out;
}

/** Every simple path's total fee and CLTV delta, or undefined where a constraint fails. */
function bruteForce(
  edges: readonly Edge[],
  src: number,
  dst: number,
  amount: bigint,
  finalCltv: number,
  maxFee: bigint | undefined,
  maxCltv: number,
): { fee: bigint; valid: boolean }[] {
  const results: { fee: bigint; valid: boolean }[] = [];
  const walk = (node: number, path: Edge[], seen: Set<number>) => {
    if (node === dst) {
      // Backwards: the node before edge i forwards over it and charges its policy.
      let amt = amount;
      let cltv = finalCltv;
      let valid = path.length <= 20;
      for (let i = path.length - 1; i >= 0; i--) {
        const e = path[i] as Edge;
        const p = e.p;
        const max = p.max ?? e.capacityMsat;
        if (p.disabled || amt < (p.min ?? 0n) || amt > max || amt > e.capacityMsat || max > e.capacityMsat) {
          valid = false;
        }
        if (i > 0) {
          amt += BigInt(p.base ?? 0) + (amt * BigInt(p.ppm ?? 0)) / 1_000_000n;
          cltv += p.cltv ?? 0;
        }
      }
      const fee = amt - amount;
      if ((maxFee !== undefined && fee > maxFee) || cltv > maxCltv) valid = false;
      results.push({ fee, valid });
      return;
    }
    for (const e of edges) {
      if (e.from !== node || seen.has(e.to)) continue;
      seen.add(e.to);
      path.push(e);
      walk(e.to, path, seen);
      path.pop();
      seen.delete(e.to);
    }
  };
  walk(src, [], new Set([src]));
  return results;
}

const feesArb = { base: fc.nat(5000), ppm: fc.oneof(fc.nat(2000), fc.nat(1_000_000)), cltv: fc.nat(200) };
const policyArb = (constrained: boolean): fc.Arbitrary<PolicySpec> =>
  constrained
    ? fc.record(
        {
          ...feesArb,
          min: fc.bigInt({ min: 0n, max: 3_000_000n }),
          max: fc.bigInt({ min: 500_000n, max: 20_000_000n }),
          disabled: fc.boolean(),
        },
        { requiredKeys: ['base', 'ppm', 'cltv'] },
      )
    : fc.record(feesArb);

const graphArb = (constrained: boolean) =>
  fc.integer({ min: 3, max: 7 }).chain((n) =>
    fc.record({
      n: fc.constant(n),
      channels: fc.array(
        fc.record({
          a: fc.nat(n - 1),
          b: fc.nat(n - 1),
          ab: fc.option(policyArb(constrained), { nil: undefined }),
          ba: fc.option(policyArb(constrained), { nil: undefined }),
          capacitySat: constrained
            ? fc.option(fc.bigInt({ min: 500n, max: 20_000n }), { nil: undefined })
            : fc.constant(undefined),
        }),
        { minLength: 2, maxLength: 14 },
      ),
    }),
  );

function toSpecs(
  channels: { a: number; b: number; ab?: PolicySpec; ba?: PolicySpec; capacitySat?: bigint }[],
) {
  return channels
    .filter((c) => c.a !== c.b)
    .map(
      (c, i): ChannelSpec => ({
        scid: BigInt(i + 1),
        a: c.a,
        b: c.b,
        ab: c.ab,
        ba: c.ba,
        capacitySat: c.capacitySat,
      }),
    );
}

describe('findRoute against brute force', () => {
  test('with fees as the only cost, the route is the cheapest simple path', () => {
    const free = {
      liquidityPenaltyMsat: 0,
      liquidityPenaltyAmountPpm: 0,
      hopPenaltyMsat: 0,
      cltvPriceMsatPerBlock: 0,
      cltvPricePpmPerBlock: 0,
    };
    fc.assert(
      fc.property(graphArb(false), fc.bigInt({ min: 1n, max: 10_000_000n }), ({ n, channels }, amount) => {
        const specs = toSpecs(channels);
        const graph = buildGraph(specs, false);
        const src = 0;
        const dst = n - 1;
        fc.pre(graph.hasNode(nid(src)) && graph.hasNode(nid(dst)));
        const req: FindRouteRequest = {
          graph,
          source: nid(src),
          destination: nid(dst),
          amountMsat: amount,
          finalCltvDelta: 18,
          maxCltvExpiryDelta: 100_000,
          costParams: free,
        };
        const paths = bruteForce(edgesOf(specs), src, dst, amount, 18, undefined, 100_000);
        const r = findRoute(req);
        if (paths.length === 0) {
          assert.equal(r.kind, 'no-route');
          return;
        }
        assert.equal(r.kind, 'route', r.kind === 'no-route' ? r.message : '');
        if (r.kind !== 'route') return;
        assert.deepEqual(checkRoute(req, r.route), []);
        const best = paths.map((p) => p.fee).sort((x, y) => (x < y ? -1 : x > y ? 1 : 0))[0];
        assert.equal(r.route.totalFeeMsat, best);
      }),
      { numRuns: 300 },
    );
  });

  test('with every constraint, a route is always valid, and none is claimed where none exists', () => {
    let found = 0;
    let exists = 0;
    fc.assert(
      fc.property(
        graphArb(true),
        fc.bigInt({ min: 1n, max: 5_000_000n }),
        fc.option(fc.bigInt({ min: 0n, max: 20_000n }), { nil: undefined }),
        fc.integer({ min: 18, max: 500 }),
        ({ n, channels }, amount, maxFee, maxCltv) => {
          const specs = toSpecs(channels);
          const graph = buildGraph(specs, false);
          fc.pre(graph.hasNode(nid(0)) && graph.hasNode(nid(n - 1)));
          const req: FindRouteRequest = {
            graph,
            source: nid(0),
            destination: nid(n - 1),
            amountMsat: amount,
            finalCltvDelta: 18,
            maxCltvExpiryDelta: maxCltv,
            ...(maxFee === undefined ? {} : { maxFeeMsat: maxFee }),
          };
          const valid = bruteForce(edgesOf(specs), 0, n - 1, amount, 18, maxFee, maxCltv).some(
            (p) => p.valid,
          );
          const r = findRoute(req);
          if (valid) exists++;
          if (r.kind === 'route') {
            found++;
            assert.deepEqual(checkRoute(req, r.route), []);
          } else {
            assert.equal(r.reason, 'no-path');
          }
          if (!valid) assert.equal(r.kind, 'no-route');
        },
      ),
      { numRuns: 400 },
    );
    // A single-label search may miss a valid route when bounds bind; it should be rare.
    assert.ok(found >= exists * 0.9, `found ${found} of ${exists}`);
  });

  test('with policy overrides and excluded nodes, the route is the cheapest path of the graph as overridden', () => {
    const free = {
      liquidityPenaltyMsat: 0,
      liquidityPenaltyAmountPpm: 0,
      hopPenaltyMsat: 0,
      cltvPriceMsatPerBlock: 0,
      cltvPricePpmPerBlock: 0,
    };
    fc.assert(
      fc.property(
        graphArb(false),
        fc.array(fc.record({ channel: fc.nat(), forward: fc.boolean(), p: policyArb(false) }), {
          maxLength: 6,
        }),
        fc.array(fc.nat(6), { maxLength: 3 }),
        fc.bigInt({ min: 1n, max: 10_000_000n }),
        ({ n, channels }, overrideSpecs, excludedSpecs, amount) => {
          const specs = toSpecs(channels);
          fc.pre(specs.length > 0);
          const graph = buildGraph(specs, false);
          const src = 0;
          const dst = n - 1;
          fc.pre(graph.hasNode(nid(src)) && graph.hasNode(nid(dst)));
          // One override per channel direction (the first drawn wins), in the request and in the brute force.
          const byKey = new Map<string, { spec: ChannelSpec; forward: boolean; p: PolicySpec }>();
          for (const o of overrideSpecs) {
            const spec = specs[o.channel % specs.length] as ChannelSpec;
            const key = `${spec.scid}/${o.forward}`;
            if (!byKey.has(key)) byKey.set(key, { spec, forward: o.forward, p: o.p });
          }
          const policyOverrides: PolicyOverride[] = [...byKey.values()].map(({ spec, forward, p }) => {
            const [from, to] = forward ? [spec.a, spec.b] : [spec.b, spec.a];
            return {
              shortChannelId: spec.scid,
              direction: from < to ? 0 : 1,
              policy: policy(p, spec.capacitySat ?? 100_000_000n),
            };
          });
          const overridden = specs.map(
            (c): ChannelSpec => ({
              ...c,
              ab: byKey.get(`${c.scid}/true`)?.p ?? c.ab,
              ba: byKey.get(`${c.scid}/false`)?.p ?? c.ba,
            }),
          );
          const excluded = new Set(excludedSpecs.filter((x) => x < n));
          const req: FindRouteRequest = {
            graph,
            source: nid(src),
            destination: nid(dst),
            amountMsat: amount,
            finalCltvDelta: 18,
            maxCltvExpiryDelta: 100_000,
            costParams: free,
            policyOverrides,
            excludedNodes: [...excluded].map(nid),
          };
          const r = findRoute(req);
          if (excluded.has(dst)) {
            assert.equal(r.kind === 'no-route' && r.reason, 'excluded-destination');
            return;
          }
          const edges = edgesOf(overridden).filter(
            (e) => !(excluded.has(e.from) && e.from !== src) && !(excluded.has(e.to) && e.to !== src),
          );
          const paths = bruteForce(edges, src, dst, amount, 18, undefined, 100_000);
          if (paths.length === 0) {
            assert.equal(r.kind, 'no-route');
            return;
          }
          assert.equal(r.kind, 'route', r.kind === 'no-route' ? r.message : '');
          if (r.kind !== 'route') return;
          assert.deepEqual(checkRoute(req, r.route), []);
          const best = paths.map((p) => p.fee).sort((x, y) => (x < y ? -1 : x > y ? 1 : 0))[0];
          assert.equal(r.route.totalFeeMsat, best);
        },
      ),
      { numRuns: 300 },
    );
  });
});
