// Fees that follow the chain, in the pure machine: when the funder sends update_fee (thresholds,
// floor, ceiling, anchors target, affordability), the bounds on a peer's update_fee taken from our
// estimate, and the dust exposure cap that follows the feerate (sending, receiving, update_fee).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  acceptableRemoteFeerate,
  type ChainFeerates,
  type ChannelPolicy,
  DEFAULT_POLICY,
  decideFeeUpdate,
  dustExposureLimitMsat,
  FEE_LOWER_RATIO,
  FEE_RAISE_RATIO,
  feeUpdateProblem,
  incomingDustOverflow,
  MIN_REMOTE_FEERATE_CEILING_PER_KW,
  mayUpdateFee,
  planFeeUpdate,
  policyWith,
} from '../../src/channel/index.js';
import { sha256 } from '../../src/crypto/index.js';
import { Harness, type Node, nodeConfig, onion, Rng } from './harness.js';

const rng = new Rng(61);
const always = () => true;

function feerates(commitmentPerKw: number, anchorsPerKw = commitmentPerKw, urgentPerKw = commitmentPerKw) {
  return { commitmentPerKw, anchorsPerKw, urgentPerKw } satisfies ChainFeerates;
}

function setup(
  o: { format?: 'static_remotekey' | 'anchors'; pushMsat?: bigint; feeratePerKw?: number } = {},
  policyA: ChannelPolicy = DEFAULT_POLICY,
  policyB: ChannelPolicy = DEFAULT_POLICY,
): Harness {
  const h = new Harness(nodeConfig('A', 1, policyA), nodeConfig('B', 2, policyB));
  h.open({
    format: o.format ?? 'static_remotekey',
    pushMsat: o.pushMsat ?? 300_000_000n,
    ...(o.feeratePerKw !== undefined ? { feeratePerKw: o.feeratePerKw } : {}),
  });
  return h;
}

function offer(h: Harness, n: Node, amountMsat: bigint) {
  return h.apply(n, {
    kind: 'addHtlc',
    amountMsat,
    paymentHash: sha256(rng.bytes(32)),
    cltvExpiry: h.height + 100,
    onionRoutingPacket: onion(rng),
  });
}

/** Signs in both directions until both commitments hold every update. */
function settle(h: Harness, first: Node): void {
  for (let i = 0; i < 3; i++) {
    h.apply(first, { kind: 'signCommitment' });
    h.flush();
    h.apply(h.other(first), { kind: 'signCommitment' });
    h.flush();
  }
}

// ---------------------------------------------------------------- decideFeeUpdate (pure numbers)

test('thresholds: raise from +10% (lnd, eclair), lower only at half (LDK), else keep', () => {
  const base = { currentPerKw: 1000, floorPerKw: 253, ceilingPerKw: 200_000, canAfford: always };
  assert.equal(FEE_RAISE_RATIO, 1.1);
  assert.equal(FEE_LOWER_RATIO, 0.5);
  assert.deepEqual(decideFeeUpdate({ ...base, estimatePerKw: 1099 }), {
    kind: 'keep',
    reason: 'close_enough',
    targetPerKw: 1099,
  });
  assert.deepEqual(decideFeeUpdate({ ...base, estimatePerKw: 1100 }), {
    kind: 'update',
    feeratePerKw: 1100,
    targetPerKw: 1100,
    capped: false,
  });
  assert.equal(decideFeeUpdate({ ...base, estimatePerKw: 501 }).kind, 'keep');
  assert.equal(decideFeeUpdate({ ...base, estimatePerKw: 999 }).kind, 'keep');
  assert.deepEqual(decideFeeUpdate({ ...base, estimatePerKw: 500 }), {
    kind: 'update',
    feeratePerKw: 500,
    targetPerKw: 500,
    capped: false,
  });
  assert.equal(decideFeeUpdate({ ...base, estimatePerKw: 1000 }).kind, 'keep');
});

test('floor and ceiling: never below 253 nor above the ceiling; a rate outside them moves in', () => {
  const base = { floorPerKw: 253, ceilingPerKw: 5_000, canAfford: always };
  // An estimate below the relay floor counts as the floor.
  const low = decideFeeUpdate({ ...base, currentPerKw: 1000, estimatePerKw: 100 });
  assert.deepEqual(low, { kind: 'update', feeratePerKw: 253, targetPerKw: 253, capped: false });
  // A floor below 253 is raised to it.
  assert.deepEqual(decideFeeUpdate({ ...base, floorPerKw: 1, currentPerKw: 1000, estimatePerKw: 1 }), {
    kind: 'update',
    feeratePerKw: 253,
    targetPerKw: 253,
    capped: false,
  });
  // Above the ceiling: capped there.
  assert.deepEqual(decideFeeUpdate({ ...base, currentPerKw: 1000, estimatePerKw: 9_000 }), {
    kind: 'update',
    feeratePerKw: 5_000,
    targetPerKw: 5_000,
    capped: false,
  });
  // A channel below the floor is raised even by a little; one above the ceiling is lowered.
  assert.equal(decideFeeUpdate({ ...base, currentPerKw: 250, estimatePerKw: 260 }).kind, 'update');
  assert.deepEqual(decideFeeUpdate({ ...base, currentPerKw: 6_000, estimatePerKw: 5_500 }), {
    kind: 'update',
    feeratePerKw: 5_000,
    targetPerKw: 5_000,
    capped: false,
  });
});

test('unaffordable estimate: the highest affordable rate above the current one, or nothing', () => {
  const base = { currentPerKw: 1000, floorPerKw: 253, ceilingPerKw: 200_000 };
  const upTo = (max: number) => (f: number) => f <= max;
  assert.deepEqual(decideFeeUpdate({ ...base, estimatePerKw: 8_000, canAfford: upTo(3_217) }), {
    kind: 'update',
    feeratePerKw: 3_217,
    targetPerKw: 8_000,
    capped: true,
  });
  assert.deepEqual(decideFeeUpdate({ ...base, estimatePerKw: 8_000, canAfford: upTo(1000) }), {
    kind: 'keep',
    reason: 'unaffordable',
    targetPerKw: 8_000,
  });
  // Lowering never needs bisection; a channel that cannot even afford less is left alone.
  assert.deepEqual(decideFeeUpdate({ ...base, estimatePerKw: 300, canAfford: () => false }), {
    kind: 'keep',
    reason: 'unaffordable',
    targetPerKw: 300,
  });
});

test('property: a decision stays in [floor, ceiling], moves towards the estimate, and is affordable', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 100_000 }),
      fc.integer({ min: 1, max: 100_000 }),
      fc.integer({ min: 253, max: 2_000 }),
      fc.integer({ min: 2_000, max: 100_000 }),
      fc.integer({ min: 1, max: 100_000 }),
      (current, estimate, floor, ceiling, affordable) => {
        const canAfford = (f: number) => f <= affordable;
        const d = decideFeeUpdate({
          currentPerKw: current,
          estimatePerKw: estimate,
          floorPerKw: floor,
          ceilingPerKw: ceiling,
          canAfford,
        });
        assert.ok(d.targetPerKw >= floor && d.targetPerKw <= ceiling);
        if (d.kind === 'keep') return;
        assert.ok(d.feeratePerKw >= floor && d.feeratePerKw <= ceiling);
        assert.ok(canAfford(d.feeratePerKw));
        assert.notEqual(d.feeratePerKw, current);
        // Towards the target, never past it.
        if (d.targetPerKw > current) assert.ok(d.feeratePerKw > current && d.feeratePerKw <= d.targetPerKw);
        else assert.equal(d.feeratePerKw, d.targetPerKw);
        if (d.capped) assert.ok(!canAfford(d.feeratePerKw + 1), 'the highest affordable rate');
        else assert.equal(d.feeratePerKw, d.targetPerKw);
      },
    ),
    { numRuns: 500, seed: 61 },
  );
});

// ---------------------------------------------------------------- planFeeUpdate on a channel

test('the funder follows the estimate; both commitments end at the new rate', () => {
  const h = setup();
  assert.equal(mayUpdateFee(h.a.s), true);
  assert.equal(mayUpdateFee(h.b.s), false, 'the fundee never sends update_fee');
  assert.equal(planFeeUpdate(h.b.s, feerates(5_000), DEFAULT_POLICY), undefined);
  assert.deepEqual(planFeeUpdate(h.a.s, feerates(1_050), DEFAULT_POLICY)?.kind, 'keep');
  const d = planFeeUpdate(h.a.s, feerates(2_000), DEFAULT_POLICY);
  assert.deepEqual(d, { kind: 'update', feeratePerKw: 2_000, targetPerKw: 2_000, capped: false });
  assert.equal(h.apply(h.a, { kind: 'updateFee', feeratePerKw: 2_000 }).outbound[0]?.kind, 'update_fee');
  // The pending update counts as the channel's rate: no second update for the same estimate.
  assert.equal(planFeeUpdate(h.a.s, feerates(2_000), DEFAULT_POLICY)?.kind, 'keep');
  settle(h, h.a);
  for (const n of [h.a, h.b]) {
    assert.equal(n.s.localCommit!.spec.feeratePerKw, 2_000);
    assert.equal(n.s.remoteCommit!.spec.feeratePerKw, 2_000);
  }
  // Falls to 1,200: not below half, kept; to 900: lowered.
  assert.equal(planFeeUpdate(h.a.s, feerates(1_200), DEFAULT_POLICY)?.kind, 'keep');
  assert.equal(
    (planFeeUpdate(h.a.s, feerates(900), DEFAULT_POLICY) as { feeratePerKw: number }).feeratePerKw,
    900,
  );
});

test('no fee updates while disconnected or closing', () => {
  const h = setup();
  h.disconnect();
  assert.equal(planFeeUpdate(h.a.s, feerates(5_000), DEFAULT_POLICY), undefined);
  h.reconnect();
  h.flush();
  assert.equal(planFeeUpdate(h.a.s, feerates(5_000), DEFAULT_POLICY)?.kind, 'update');
  h.apply(h.a, { kind: 'closeChannel' });
  assert.equal(planFeeUpdate(h.a.s, feerates(5_000), DEFAULT_POLICY), undefined);
});

test('anchors channels follow their own (long-target) estimate, capped at 10 sat/vB', () => {
  const h = setup({ format: 'anchors' });
  const low = planFeeUpdate(h.a.s, feerates(8_000, 400, 8_000), DEFAULT_POLICY);
  assert.deepEqual(low, { kind: 'update', feeratePerKw: 400, targetPerKw: 400, capped: false });
  const high = planFeeUpdate(h.a.s, feerates(8_000, 9_000, 8_000), DEFAULT_POLICY);
  assert.equal(DEFAULT_POLICY.maxAnchorsCommitFeeratePerKw, 2_500);
  assert.deepEqual(high, { kind: 'update', feeratePerKw: 2_500, targetPerKw: 2_500, capped: false });
});

test('a funder that cannot pay the estimate sends the most it can pay and keep its reserve', () => {
  // A keeps 20,000 sat of a 1,000,000 sat channel: 10,000 reserve, 10,000 for fees.
  const h = setup({ pushMsat: 980_000_000n });
  const d = planFeeUpdate(h.a.s, feerates(50_000), DEFAULT_POLICY);
  assert.ok(d?.kind === 'update' && d.capped, JSON.stringify(d));
  assert.equal(feeUpdateProblem(h.a.s, d.feeratePerKw, DEFAULT_POLICY), undefined);
  assert.equal(feeUpdateProblem(h.a.s, d.feeratePerKw + 1, DEFAULT_POLICY)?.code, 'insufficient_funds');
  // 724 weight units without HTLCs, fee rounded down (BOLT 3): it may take 10,000 sat.
  assert.equal(d.feeratePerKw, Math.floor((10_001 * 1000 - 1) / 724));
  assert.equal(
    h.apply(h.a, { kind: 'updateFee', feeratePerKw: 50_000 }).rejected?.code,
    'insufficient_funds',
  );
  assert.equal(h.apply(h.a, { kind: 'updateFee', feeratePerKw: d.feeratePerKw }).rejected, undefined);
});

test('update_fee that would trim HTLCs past our dust limit is not sent (BOLT 2: MAY NOT send)', () => {
  const cap = { kind: 'fixed' as const, msat: 3_000_000n };
  const h = setup({}, policyWith({ maxDustHtlcExposure: cap }));
  // Three 1,500 sat HTLCs: untrimmed at 1,000 sat/kw, trimmed on both sides at 2,000.
  for (let i = 0; i < 3; i++) assert.equal(offer(h, h.a, 1_500_000n).rejected, undefined);
  settle(h, h.a);
  const r = h.apply(h.a, { kind: 'updateFee', feeratePerKw: 2_000 });
  assert.equal(r.rejected?.code, 'dust_exposure');
  assert.match(r.rejected!.message, /would trim 4500000 msat of HTLCs/);
  // The plan stops just below the rate that trims them.
  const d = planFeeUpdate(h.a.s, feerates(2_000), policyWith({ maxDustHtlcExposure: cap }));
  assert.ok(d?.kind === 'update' && d.capped, JSON.stringify(d));
  assert.ok(d.feeratePerKw > 1_300 && d.feeratePerKw < 1_400, `${d.feeratePerKw}`);
  assert.equal(
    feeUpdateProblem(h.a.s, d.feeratePerKw + 1, policyWith({ maxDustHtlcExposure: cap }))?.code,
    'dust_exposure',
  );
  // With anchors the HTLC transactions pay no fee: a feerate change trims nothing, no check.
  const ha = setup({ format: 'anchors' }, policyWith({ maxDustHtlcExposure: cap }));
  for (let i = 0; i < 3; i++) offer(ha, ha.a, 1_500_000n);
  settle(ha, ha.a);
  assert.equal(ha.apply(ha.a, { kind: 'updateFee', feeratePerKw: 2_000 }).rejected, undefined);
});

// ---------------------------------------------------------------- the peer's update_fee

test("the peer's update_fee is bounded by our estimate: eclair's 0.5x and 10x (25 sat/vB at least)", () => {
  const est = (commitmentPerKw: number) => policyWith({ chainFeerates: feerates(commitmentPerKw) });
  assert.deepEqual(acceptableRemoteFeerate('static_remotekey', est(4_000)), {
    min: 2_000,
    max: 40_000,
    fromEstimate: true,
  });
  assert.deepEqual(acceptableRemoteFeerate('static_remotekey', est(253)), {
    min: 253,
    max: MIN_REMOTE_FEERATE_CEILING_PER_KW,
    fromEstimate: true,
  });
  assert.equal(acceptableRemoteFeerate('static_remotekey', est(100_000)).max, DEFAULT_POLICY.maxFeeratePerKw);
  // Anchors commitments are CPFP'd at broadcast: only the fixed bounds apply; so without an estimate.
  assert.deepEqual(acceptableRemoteFeerate('anchors', est(4_000)), {
    min: 253,
    max: 200_000,
    fromEstimate: false,
  });
  assert.deepEqual(acceptableRemoteFeerate('static_remotekey', DEFAULT_POLICY), {
    min: 253,
    max: 200_000,
    fromEstimate: false,
  });
});

test('receiving: too low or too high for our estimate fails the channel; a raise is never too low', () => {
  const policyB = policyWith({ chainFeerates: feerates(4_000) });
  const send = (h: Harness, feeratePerKw: number) =>
    h.apply(h.b, { kind: 'update_fee', channelId: h.b.s.channelId!, feeratePerKw });
  // The channel runs at 3,000; B estimates 4,000: accepted rates are [2,000, 40,000].
  let h = setup({ feeratePerKw: 3_000 }, DEFAULT_POLICY, policyB);
  assert.equal(send(h, 2_500).failure, undefined);
  h = setup({ feeratePerKw: 3_000 }, DEFAULT_POLICY, policyB);
  const low = send(h, 1_999);
  assert.equal(low.failure?.kind, 'error');
  assert.match(
    low.failure!.message,
    /update_fee 1999 sat\/kw is outside \[2000, 40000\] \(from our fee estimate\)/,
  );
  h = setup({ feeratePerKw: 3_000 }, DEFAULT_POLICY, policyB);
  assert.match(send(h, 40_001).failure?.message ?? '', /outside/);
  // At 1,000 now: a raise to 1,500 is below 2,000 but better than before: accepted (as LDK does).
  h = setup({ feeratePerKw: 1_000 }, DEFAULT_POLICY, policyB);
  assert.equal(send(h, 1_500).failure, undefined);
  h = setup({ feeratePerKw: 1_000 }, DEFAULT_POLICY, policyB);
  assert.match(send(h, 900).failure?.message ?? '', /outside/);
  // Never below the absolute floor, raise or not.
  h = setup({ feeratePerKw: 253 }, DEFAULT_POLICY, policyWith({ chainFeerates: feerates(253) }));
  assert.match(send(h, 252).failure?.message ?? '', /outside/);
});

test('receiving an update_fee that trims HTLCs past our dust limit: accepted, or fails the channel if so configured', () => {
  const cap = { kind: 'fixed' as const, msat: 2_000_000n };
  for (const close of [false, true]) {
    const h = setup(
      {},
      DEFAULT_POLICY,
      policyWith({ maxDustHtlcExposure: cap, closeOnUpdateFeeDustOverflow: close }),
    );
    for (let i = 0; i < 2; i++) offer(h, h.a, 1_500_000n);
    settle(h, h.a);
    // A's own (default, feerate-following) cap lets it send the raise.
    assert.equal(h.apply(h.a, { kind: 'updateFee', feeratePerKw: 2_000 }).rejected, undefined);
    h.deliver(h.b);
    if (close) {
      assert.equal(h.b.failures.at(-1)?.kind, 'error');
      assert.match(
        h.b.failures.at(-1)!.message,
        /would trim 3000000 msat of HTLCs on the (local|remote) commitment/,
      );
      assert.equal(h.b.s.phase, 'forceClosing');
    } else {
      assert.deepEqual(h.b.failures, []);
      settle(h, h.a);
      assert.equal(h.b.s.localCommit!.spec.feeratePerKw, 2_000);
      // The exposure is over the cap now: B refuses new dust of its own.
      assert.equal(offer(h, h.b, 500_000n).rejected?.code, 'dust_exposure');
    }
  }
});

// ---------------------------------------------------------------- the dust cap follows the feerate

test("dust cap: fixed, or LDK's 10,000 msat per sat/kw of the urgent estimate (else the channel's rate)", () => {
  assert.deepEqual(DEFAULT_POLICY.maxDustHtlcExposure, { kind: 'feerateMultiplier', multiplier: 10_000 });
  assert.equal(dustExposureLimitMsat(DEFAULT_POLICY, 253), 2_530_000n, "LDK's figure at 253 sat/kw");
  assert.equal(dustExposureLimitMsat(DEFAULT_POLICY, 1_000), 10_000_000n);
  assert.equal(dustExposureLimitMsat(DEFAULT_POLICY, 100), 2_530_000n, 'never below the 253 floor');
  const withEstimate = policyWith({ chainFeerates: feerates(1_000, 300, 7_500) });
  assert.equal(dustExposureLimitMsat(withEstimate, 1_000), 75_000_000n, 'the urgent estimate wins');
  const fixed = policyWith({ maxDustHtlcExposure: { kind: 'fixed', msat: 5_000_000n } });
  assert.equal(dustExposureLimitMsat(fixed, 50_000), 5_000_000n);
});

test('sending: small keysends up to the cap at the current feerate; more room when fees rise', () => {
  // At 1,000 sat/kw the cap is 10,000 sat and 1,100 sat HTLCs are trimmed on both commitments.
  const h = setup();
  for (let i = 0; i < 9; i++) assert.equal(offer(h, h.a, 1_100_000n).rejected, undefined, `HTLC ${i}`);
  const tenth = offer(h, h.a, 1_100_000n);
  assert.equal(tenth.rejected?.code, 'dust_exposure');
  assert.match(tenth.rejected!.message, /dust exposure limit/);
  assert.equal(offer(h, h.a, 2_000_000n).rejected, undefined, 'HTLCs above the dust threshold do not count');
  // The same channel under a 2,000 sat/kw urgent estimate: a 20,000 sat cap.
  const h2 = setup({}, policyWith({ chainFeerates: feerates(1_000, 1_000, 2_000) }));
  for (let i = 0; i < 10; i++) assert.equal(offer(h2, h2.a, 1_100_000n).rejected, undefined, `HTLC ${i}`);
});

test('receiving: dust HTLCs past our cap are failed back once committed, the later ones first', () => {
  const policyB = policyWith({ maxDustHtlcExposure: { kind: 'fixed', msat: 2_000_000n } });
  const h = setup({}, DEFAULT_POLICY, policyB);
  for (let i = 0; i < 3; i++) assert.equal(offer(h, h.a, 900_000n).rejected, undefined);
  settle(h, h.a);
  const added = h.b.events.filter((e) => e.kind === 'htlcAdded').map((e) => (e as { htlcId: bigint }).htlcId);
  assert.deepEqual(added, [0n, 1n, 2n]);
  assert.equal(incomingDustOverflow(h.b.s, 0n, policyB), undefined);
  assert.equal(incomingDustOverflow(h.b.s, 1n, policyB), undefined);
  const over = incomingDustOverflow(h.b.s, 2n, policyB);
  assert.deepEqual(
    { owner: over?.owner, balanceMsat: over?.balanceMsat, limitMsat: over?.limitMsat },
    { owner: 'remote', balanceMsat: 2_700_000n, limitMsat: 2_000_000n },
  );
  assert.match(over!.message, /incoming HTLC 2 of 900000 msat/);
  // A non-dust HTLC never overflows; an unknown id has no answer.
  assert.equal(incomingDustOverflow(h.b.s, 7n, policyB), undefined);
  // B fails HTLC 2 back (not the channel): it no longer counts, and is not judged again.
  assert.equal(
    h.apply(h.b, { kind: 'failHtlc', htlcId: 2n, reason: new Uint8Array(32) }).rejected,
    undefined,
  );
  assert.equal(incomingDustOverflow(h.b.s, 2n, policyB), undefined);
  settle(h, h.b);
  assert.deepEqual(h.b.failures, []);
  assert.equal(h.b.s.phase, 'normal');
  assert.equal(h.a.events.filter((e) => e.kind === 'htlcFailed').length, 1);
  // Our own outgoing dust counts against the peer's later HTLCs.
  const h3 = setup({ pushMsat: 500_000_000n }, DEFAULT_POLICY, policyB);
  offer(h3, h3.b, 1_200_000n);
  settle(h3, h3.b);
  offer(h3, h3.a, 900_000n);
  settle(h3, h3.a);
  assert.equal(incomingDustOverflow(h3.b.s, 0n, policyB)?.balanceMsat, 2_100_000n);
});
