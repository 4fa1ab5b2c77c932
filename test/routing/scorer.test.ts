import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type FindRouteRequest, findRoute, type Route, Scorer } from '../../src/routing/index.js';
import { successProbability } from '../../src/routing/probability.js';
import { buildGraph, checkRoute, nid } from './helpers.js';

const HOUR = 3_600_000;
const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} != ${b}`);

describe('liquidity model', () => {
  test('a priori: uniform liquidity, P = (c + 1 - a) / (c + 1)', () => {
    close(successProbability(500, 1000, undefined, 0, HOUR), 501 / 1001);
    close(successProbability(0, 1000, undefined, 0, HOUR), 1);
    close(successProbability(1000, 1000, undefined, 0, HOUR), 1 / 1001);
    assert.equal(successProbability(1001, 1000, undefined, 0, HOUR), 0);
    // Unknown capacity (a route hint): nothing to go on.
    assert.equal(successProbability(1e9, Number.POSITIVE_INFINITY, undefined, 0, HOUR), 1);
  });

  test('learned bounds narrow the range, and each decays with its own half-life weight', () => {
    const est = { lowerBoundMsat: 200, lowerAtMs: 0, upperBoundMsat: 600, upperAtMs: 0 };
    // Fresh: uniform on [200, 600].
    close(successProbability(100, 1000, est, 0, HOUR), 1);
    close(successProbability(400, 1000, est, 0, HOUR), 201 / 401);
    assert.equal(successProbability(601, 1000, est, 0, HOUR), 0);
    // One half-life later each bound holds with weight 1/2.
    const p = successProbability(400, 1000, est, HOUR, HOUR);
    const expected = 0.25 * (201 / 401) + 0.25 * (601 / 801) + 0.25 * (201 / 601) + 0.25 * (601 / 1001);
    close(p, expected);
  });
});

describe('Scorer (mission control)', () => {
  const hop = (scid: bigint, amt: bigint, fee = 0n, direction: 0 | 1 = 0) => ({
    shortChannelId: scid,
    direction,
    amtToForwardMsat: amt,
    feeMsat: fee,
  });

  test('a failure sets an upper bound below the amount the failing hop carried', () => {
    const s = new Scorer();
    const path = [hop(1n, 1_000_100n, 50n), hop(2n, 1_000_000n, 100n), hop(3n, 1_000_000n)];
    assert.equal(s.paymentFailed(path, 2n, 0), true);
    // Hop 1 carried its HTLC (1,000,150 msat) before the failure.
    assert.deepEqual(s.estimate(1n, 0), {
      lowerBoundMsat: 1_000_150,
      lowerAtMs: 0,
      upperBoundMsat: undefined,
      upperAtMs: 0,
    });
    assert.deepEqual(s.estimate(2n, 0), {
      lowerBoundMsat: undefined,
      lowerAtMs: 0,
      upperBoundMsat: 1_000_099,
      upperAtMs: 0,
    });
    assert.equal(s.estimate(3n, 0), undefined);
    assert.equal(s.estimate(2n, 1), undefined);
    assert.equal(s.successProbability(2n, 0, 1_000_100n, 10_000_000n, 0), 0);
    assert.equal(s.successProbability(2n, 0, 1_000_100n, 10_000_000n, HOUR) > 0.4, true);
  });

  test('a failure at the recipient means every channel carried; an unknown channel teaches nothing', () => {
    const s = new Scorer();
    const path = [hop(1n, 5000n, 10n), hop(2n, 5000n)];
    assert.equal(s.paymentFailed(path, 99n, 0), false);
    assert.equal(s.size, 0);
    assert.equal(s.paymentFailed(path, undefined, 0), true);
    assert.equal(s.estimate(1n, 0)?.lowerBoundMsat, 5010);
    assert.equal(s.estimate(2n, 0)?.lowerBoundMsat, 5000);
  });

  test('a success raises the lower bound: that amount is then certain, until it decays', () => {
    const s = new Scorer({ halfLifeMs: HOUR });
    s.paymentSucceeded([hop(7n, 400_000n)], 0);
    assert.equal(s.successProbability(7n, 0, 400_000n, 1_000_000n, 0), 1);
    const later = s.successProbability(7n, 0, 400_000n, 1_000_000n, HOUR);
    close(later, 0.5 + 0.5 * (600_001 / 1_000_001));
  });

  test('a success above an old failure bound lifts it; a failure below an old success drops it', () => {
    const s = new Scorer();
    s.paymentFailed([hop(7n, 100n)], 7n, 0);
    s.paymentSucceeded([hop(7n, 200n)], 10);
    assert.equal(s.estimate(7n, 0)?.upperBoundMsat, undefined);
    s.paymentFailed([hop(7n, 150n)], 7n, 20);
    assert.equal(s.estimate(7n, 0)?.lowerBoundMsat, undefined);
    assert.equal(s.estimate(7n, 0)?.upperBoundMsat, 149);
  });

  test('prune drops estimates that decayed to nothing', () => {
    const s = new Scorer({ halfLifeMs: 1000 });
    s.paymentSucceeded([hop(1n, 10n)], 0);
    s.paymentSucceeded([hop(2n, 10n)], 5000);
    assert.equal(s.prune(10_500), 1);
    assert.equal(s.estimate(1n, 0), undefined);
    assert.notEqual(s.estimate(2n, 0), undefined);
  });

  test('half-life must be positive', () => {
    assert.throws(() => new Scorer({ halfLifeMs: 0 }), RangeError);
  });
});

describe('pathfinding learns from outcomes', () => {
  // 1 -> 2 -> 4 costs 1000 msat in fees, 1 -> 3 -> 4 costs 3000.
  const graph = buildGraph([
    { scid: 12n, a: 1, b: 2 },
    { scid: 13n, a: 1, b: 3 },
    { scid: 24n, a: 2, b: 4, ab: { base: 1000 } },
    { scid: 34n, a: 3, b: 4, ab: { base: 3000 } },
  ]);
  const route = (scorer: Scorer, nowMs: number): Route => {
    const req: FindRouteRequest = {
      graph,
      source: nid(1),
      destination: nid(4),
      amountMsat: 1_000_000n,
      finalCltvDelta: 40,
      scorer,
      nowMs,
    };
    const r = findRoute(req);
    assert.equal(r.kind, 'route');
    if (r.kind !== 'route') throw new Error('unreachable');
    assert.deepEqual(checkRoute(req, r.route), []);
    return r.route;
  };
  const via = (r: Route) => r.hops.map((h) => h.shortChannelId);

  test('a failed channel is avoided for a while, then forgiven', () => {
    const scorer = new Scorer({ halfLifeMs: HOUR });
    const t0 = 1_700_000_000_000;
    const first = route(scorer, t0);
    assert.deepEqual(via(first), [12n, 24n]);
    scorer.paymentFailed(first.hops, 24n, t0);
    // The retry goes the other way, and so do payments for the next hours.
    assert.deepEqual(via(route(scorer, t0 + 1000)), [13n, 34n]);
    assert.deepEqual(via(route(scorer, t0 + HOUR)), [13n, 34n]);
    assert.deepEqual(via(route(scorer, t0 + 6 * HOUR)), [13n, 34n]);
    // After 12 half-lives the failure weighs 1/4096: its penalty (1,010,000 msat / 4096) and
    // -ln(1 - 1/4096) * 20,100 msat together are less than the 2000 msat saved.
    assert.deepEqual(via(route(scorer, t0 + 12 * HOUR)), [12n, 24n]);
  });

  test('the failure only counts for amounts at least as large', () => {
    const scorer = new Scorer();
    const first = route(scorer, 0);
    scorer.paymentFailed(first.hops, 24n, 0);
    const r = findRoute({
      graph,
      source: nid(1),
      destination: nid(4),
      amountMsat: 1000n,
      finalCltvDelta: 40,
      scorer,
      nowMs: 1,
    });
    assert.equal(r.kind === 'route' && r.route.hops[1]?.shortChannelId, 24n);
  });

  test('the route reports the learned success probability', () => {
    const scorer = new Scorer();
    const first = route(scorer, 0);
    scorer.paymentSucceeded(first.hops, 0);
    assert.equal(route(scorer, 0).successProbability, 1);
  });
});
