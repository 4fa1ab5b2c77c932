// The payment module's smaller parts: the onion budget the final records leave (checked against
// real onions), the stored plan and attempt round trips, channel_update checks, a payment's lessons
// reaching its route searches while the shared graph is never written, fee limits and attempt ids.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { bytesToHex, concatBytes, publicKeyCreate, sha256 } from '../../src/crypto/index.js';
import { HOP_PAYLOADS_SIZE, hopPayloadsLength } from '../../src/onion/index.js';
import { decodeAttempt, encodeAttempt } from '../../src/payments/attempt.js';
import {
  attemptId,
  checkFailureChannelUpdate,
  DEFAULT_PAYMENT_DEFAULTS,
  decodeFailureChannelUpdate,
  type FinalPayloadSpec,
  MAX_FORWARD_SHIFT,
  maxFeeFor,
  maxHopsForFinalPayload,
  type PaymentPlan,
  parseAttemptId,
  routePayloads,
} from '../../src/payments/index.js';
import { decodePlan, encodePlan } from '../../src/payments/plan.js';
import { keysendPlan } from '../../src/payments/requests.js';
import {
  findPaymentRoutes,
  type RoutingContext,
  type RoutingSession,
} from '../../src/payments/route-search.js';
import { directionOf, type Route, Scorer } from '../../src/routing/index.js';
import { graphSnapshot, recordGraphWrites } from './harness.js';
import { CHAIN_HASH, SimNetwork, START_HEIGHT, START_MS } from './sim.js';

const ids = Array.from({ length: 20 }, (_, i) => publicKeyCreate(sha256(Uint8Array.of(i + 1))));

function routeOf(hops: number, amountMsat: bigint, scidBits: bigint): Route {
  return {
    hops: Array.from({ length: hops }, (_, i) => ({
      nodeId: ids[i]!,
      // Large scids, amounts and CLTVs make the largest forwarding payloads.
      shortChannelId: scidBits + BigInt(i),
      direction: 0 as const,
      amtToForwardMsat: i === hops - 1 ? amountMsat : (1n << 63n) + BigInt(i),
      outgoingCltvValue: 0xffff_0000 + i,
      feeMsat: i === hops - 1 ? 0n : 1_000_000_000n,
    })),
    amountMsat,
    totalAmountMsat: amountMsat,
    totalFeeMsat: 0n,
    totalCltvDelta: 0,
    cltvExpiry: 0,
    successProbability: 1,
  };
}

test('maxHopsForFinalPayload: routes of that many hops always fit, with the largest forwarding payloads', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 1300 }),
      fc.bigInt({ min: 1n, max: (1n << 40n) - 1n }),
      fc.boolean(),
      (recordBytes, amountMsat, withSecret) => {
        const spec: FinalPayloadSpec = {
          totalMsat: amountMsat,
          keysendPreimage: new Uint8Array(32),
          records: recordBytes === 0 ? [] : [{ type: 65537n, value: new Uint8Array(recordBytes) }],
          ...(withSecret ? { paymentSecret: new Uint8Array(32) } : {}),
        };
        const budget = maxHopsForFinalPayload(spec, amountMsat);
        if (budget === 0) {
          const alone = routePayloads(routeOf(1, amountMsat, 1n << 63n), spec);
          assert.ok(hopPayloadsLength(alone) > HOP_PAYLOADS_SIZE, 'budget 0 only when one hop does not fit');
          return;
        }
        const worst = routePayloads(routeOf(budget, amountMsat, 0xffff_ffff_ffff_ff00n), spec);
        assert.ok(hopPayloadsLength(worst) <= HOP_PAYLOADS_SIZE, `${budget} hops must fit`);
      },
    ),
    { numRuns: 200 },
  );
  // A forwarding hop takes at most 59 bytes; the bound is not loose by more than one hop.
  assert.equal(MAX_FORWARD_SHIFT, 59);
  const spec: FinalPayloadSpec = { totalMsat: 1000n, keysendPreimage: new Uint8Array(32), records: [] };
  assert.equal(maxHopsForFinalPayload(spec, 1000n), 20);
});

const planArb: fc.Arbitrary<PaymentPlan> = fc.record({
  kind: fc.constantFrom('keysend' as const, 'bolt11' as const),
  destination: fc.constant(ids[3]!),
  amountMsat: fc.bigInt({ min: 1n, max: 1n << 60n }),
  paymentHash: fc.uint8Array({ minLength: 32, maxLength: 32 }),
  final: fc.record(
    {
      totalMsat: fc.bigInt({ min: 1n, max: 1n << 60n }),
      keysendPreimage: fc.uint8Array({ minLength: 32, maxLength: 32 }),
      paymentSecret: fc.uint8Array({ minLength: 32, maxLength: 32 }),
      paymentMetadata: fc.uint8Array({ maxLength: 40 }),
      records: fc.array(
        fc.record({
          type: fc.bigInt({ min: 65536n, max: (1n << 64n) - 1n }),
          value: fc.uint8Array({ maxLength: 20 }),
        }),
        { maxLength: 4 },
      ),
    },
    { requiredKeys: ['totalMsat', 'records'] },
  ),
  finalCltvDelta: fc.integer({ min: 0, max: 0xffff }),
  maxFeeMsat: fc.bigInt({ min: 0n, max: 1n << 50n }),
  maxCltvExpiryDelta: fc.integer({ min: 0, max: 5000 }),
  routeHints: fc.array(
    fc.array(
      fc.record(
        {
          nodeId: fc.constant(ids[5]!),
          shortChannelId: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
          feeBaseMsat: fc.bigInt({ min: 0n, max: 0xffff_ffffn }),
          feeProportionalMillionths: fc.integer({ min: 0, max: 0xffff_ffff }),
          cltvExpiryDelta: fc.integer({ min: 0, max: 0xffff }),
          htlcMinimumMsat: fc.bigInt({ min: 0n, max: 1n << 40n }),
          htlcMaximumMsat: fc.bigInt({ min: 0n, max: 1n << 40n }),
        },
        {
          requiredKeys: [
            'nodeId',
            'shortChannelId',
            'feeBaseMsat',
            'feeProportionalMillionths',
            'cltvExpiryDelta',
          ],
        },
      ),
      { minLength: 1, maxLength: 3 },
    ),
    { maxLength: 2 },
  ),
  outgoingChannelId: fc.option(fc.bigInt({ min: 0n, max: 1n << 63n }), { nil: undefined }),
  allowMpp: fc.boolean(),
  maxParts: fc.integer({ min: 1, max: 16 }),
  deadlineMs: fc.integer({ min: 0, max: 2 ** 45 }),
  maxAttempts: fc.integer({ min: 1, max: 100 }),
  bolt11: fc.option(fc.string(), { nil: undefined }),
});

/** Drops keys whose value is undefined, as JSON does. */
function defined<T>(v: T): T {
  return JSON.parse(
    JSON.stringify(v, (_k, x) =>
      typeof x === 'bigint' ? `${x}n` : x instanceof Uint8Array ? bytesToHex(x) : x,
    ),
  );
}

test('payment plans round-trip through their stored JSON', () => {
  fc.assert(
    fc.property(planArb, (plan) => {
      assert.deepEqual(defined(decodePlan(encodePlan(plan))), defined(plan));
    }),
    { numRuns: 200 },
  );
  assert.throws(() => decodePlan(new TextEncoder().encode('{"version":2}')), /unknown version 2/);
});

test('attempts round-trip through their stored JSON, session key included', () => {
  const route = routeOf(3, 12_345n, 77n);
  const sessionKey = sha256(Uint8Array.of(5));
  const back = decodeAttempt(encodeAttempt({ route, sessionKey }));
  assert.equal(bytesToHex(back.sessionKey), bytesToHex(sessionKey));
  assert.deepEqual(defined(back.route), defined(route));
  assert.throws(() => decodeAttempt('{"version":1,"hops":[{"direction":2}]}'), /stored attempt/);
});

test('channel_update from a failure: with or without its type, checked for channel, direction, chain, signer, age', () => {
  const sim = new SimNetwork(3).addChannel({ scid: 7n, a: 1, b: 2, ab: { timestamp: 5 } });
  const raw = sim.signedUpdate(7n, 1);
  const noType = raw.subarray(2);
  assert.equal(decodeFailureChannelUpdate(raw)?.shortChannelId, 7n);
  assert.equal(decodeFailureChannelUpdate(noType)?.shortChannelId, 7n);
  assert.equal(decodeFailureChannelUpdate(Uint8Array.of(1, 2, 3)), undefined);
  const failure = {
    shortChannelId: 7n,
    direction: directionOf(sim.id(1), sim.id(2)),
    erringNodeId: sim.id(1),
    channelUpdate: noType,
    policyRelated: true,
  };
  const ok = checkFailureChannelUpdate(failure, 1, CHAIN_HASH);
  assert.ok(ok.ok);
  assert.equal(ok.override.policy.timestamp, 5);
  assert.equal(ok.override.policy.feeBaseMsat, 1000n);
  const reason = (r: ReturnType<typeof checkFailureChannelUpdate>) => (r.ok ? 'ok' : r.reason);
  assert.match(reason(checkFailureChannelUpdate(failure, 5, CHAIN_HASH)), /not newer/);
  assert.match(reason(checkFailureChannelUpdate(failure, 1, sha256(CHAIN_HASH))), /another chain/);
  assert.match(
    reason(checkFailureChannelUpdate({ ...failure, erringNodeId: sim.id(2) }, 1, CHAIN_HASH)),
    /signature/,
  );
  assert.match(
    reason(
      checkFailureChannelUpdate({ ...failure, direction: (1 - failure.direction) as 0 | 1 }, 1, CHAIN_HASH),
    ),
    /other direction/,
  );
  assert.match(
    reason(checkFailureChannelUpdate({ ...failure, shortChannelId: 8n }, 1, CHAIN_HASH)),
    /another channel/,
  );
  const tampered = concatBytes(raw.subarray(0, raw.length - 1), Uint8Array.of(raw[raw.length - 1]! ^ 1));
  assert.match(
    reason(checkFailureChannelUpdate({ ...failure, channelUpdate: tampered }, 1, CHAIN_HASH)),
    /signature/,
  );
});

test("findPaymentRoutes: a session's channel_updates and excluded nodes steer its routes, the graph is never written", () => {
  // 0 - 1, then 1 - 2 - 4 (2 charges 1000 + 100 ppm) and 1 - 3 - 4 (3 charges 3000 + 100 ppm).
  const sim = new SimNetwork(5)
    .addChannel({ scid: 1n, a: 0, b: 1 })
    .addChannel({ scid: 2n, a: 1, b: 2 })
    .addChannel({ scid: 3n, a: 2, b: 4 })
    .addChannel({ scid: 4n, a: 1, b: 3 })
    .addChannel({ scid: 5n, a: 3, b: 4, ab: { feeBaseMsat: 3000n } });
  const graph = sim.buildGraph();
  const before = graphSnapshot(graph);
  const ctx: RoutingContext = {
    graph,
    scorer: new Scorer(),
    nodeId: sim.id(0),
    localChannels: sim.localChannels,
    currentHeight: START_HEIGHT,
    nowMs: START_MS,
  };
  const plan = keysendPlan(
    sim.id(4),
    100_000n,
    {},
    [],
    new Uint8Array(32).fill(7),
    START_MS,
    DEFAULT_PAYMENT_DEFAULTS,
  );
  const session = (lessons: Partial<RoutingSession> = {}): RoutingSession => ({
    plan,
    excludedChannels: new Set(),
    excludedNodes: [],
    overrides: new Map(),
    ...lessons,
  });
  const via = (s: RoutingSession) => {
    const r = findPaymentRoutes(ctx, s, 100_000n, []);
    assert.equal(r.kind, 'routes', r.kind === 'none' ? r.reason : '');
    if (r.kind !== 'routes') return [];
    return r.routes.map((route) => route.hops.map((h) => [h.shortChannelId, h.feeMsat]));
  };
  const recorder = recordGraphWrites(graph);
  try {
    assert.deepEqual(via(session()), [
      [
        [1n, 1010n],
        [2n, 1010n],
        [3n, 0n],
      ],
    ]);
    // Node 2's update asks 5000 over 2 -> 4: via 3 is now cheaper.
    const dir = directionOf(sim.id(2), sim.id(4));
    const update = {
      shortChannelId: 3n,
      direction: dir,
      policy: { ...graph.getPolicy(3n, dir)!, feeBaseMsat: 5000n, timestamp: 2 },
    };
    const viaThree = [
      [
        [1n, 1010n],
        [4n, 3010n],
        [5n, 0n],
      ],
    ];
    assert.deepEqual(via(session({ overrides: new Map([[`3/${dir}`, update]]) })), viaThree);
    assert.deepEqual(via(session({ excludedNodes: [sim.id(2)] })), viaThree);
    const toExcluded = findPaymentRoutes(ctx, session({ excludedNodes: [sim.id(4)] }), 100_000n, []);
    assert.deepEqual(toExcluded, {
      kind: 'none',
      code: 'no_route',
      reason: 'no route: the destination is one of the excluded nodes',
    });
    assert.deepEqual(recorder.writes, []);
  } finally {
    recorder.stop();
  }
  assert.equal(graphSnapshot(graph), before);
  assert.equal(graph.getPolicy(3n, directionOf(sim.id(2), sim.id(4)))?.feeBaseMsat, 1000n);
});

test('fee limits and attempt ids', () => {
  assert.equal(maxFeeFor(1000n, {}), 1000n);
  assert.equal(maxFeeFor(1_000_000n, {}), 1_000_000n);
  assert.equal(maxFeeFor(10_000_000n, {}), 500_000n);
  assert.equal(maxFeeFor(10_000_000n, { maxFeeMsat: 7n }), 7n);
  assert.equal(maxFeeFor(10_000_000n, { maxFeePpm: 1000 }), 10_000n);
  assert.equal(maxFeeFor(10_000_000n, { maxFeeMsat: 20_000n, maxFeePpm: 1000 }), 10_000n);
  assert.equal(attemptId(12, 3), '12/3');
  assert.deepEqual(parseAttemptId('12/3'), { paymentId: 12, attemptNumber: 3 });
  assert.equal(parseAttemptId('12/x'), undefined);
  assert.equal(parseAttemptId('../12/3'), undefined);
});
