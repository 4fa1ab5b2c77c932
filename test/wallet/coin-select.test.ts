import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { feeForWeight } from '../../src/chain/index.js';
import {
  type CandidateCoin,
  P2WPKH_INPUT_WEIGHT,
  P2WPKH_OUTPUT_WEIGHT,
  type SelectionTarget,
  selectCoins,
  TX_OVERHEAD_WEIGHT,
} from '../../src/wallet/index.js';

const coin = (id: string, valueSat: bigint): CandidateCoin => ({
  id,
  valueSat,
  inputWeight: P2WPKH_INPUT_WEIGHT,
});
const target = (targetSat: bigint, feeRateSatPerKw = 1000n): SelectionTarget => ({
  targetSat,
  feeRateSatPerKw,
  baseWeight: TX_OVERHEAD_WEIGHT + P2WPKH_OUTPUT_WEIGHT,
  changeOutputWeight: P2WPKH_OUTPUT_WEIGHT,
  changeDustLimitSat: 294n,
});

test('an exact match (within the cost of change) is spent without change', () => {
  const t = target(50_000n);
  // 42 + 124 base WU + 272 input WU = 438 sat at 1000 sat/kw.
  const exact = 50_000n + 438n;
  const r = selectCoins([coin('a', 1_000_000n), coin('b', exact), coin('c', 20_000n)], t);
  assert.ok(r.ok);
  assert.deepEqual(
    r.selected.map((c) => c.id),
    ['b'],
  );
  assert.equal(r.changeSat, 0n);
  assert.equal(r.feeSat, 438n);
  assert.equal(r.weight, 438);
});

test('otherwise largest first with change back', () => {
  const r = selectCoins([coin('small', 30_000n), coin('big', 200_000n)], target(100_000n));
  assert.ok(r.ok);
  assert.deepEqual(
    r.selected.map((c) => c.id),
    ['big'],
  );
  const weight = TX_OVERHEAD_WEIGHT + 2 * P2WPKH_OUTPUT_WEIGHT + P2WPKH_INPUT_WEIGHT;
  assert.equal(r.weight, weight);
  assert.equal(r.feeSat, feeForWeight(weight, 1000n));
  assert.equal(r.changeSat, 200_000n - 100_000n - r.feeSat);
});

test('change below the dust limit goes to the fee', () => {
  const t = target(50_000n);
  // Enough for target + fee + a change output of 500 sat, below this dust limit: no change output.
  const v = 50_000n + 438n + 124n + 500n;
  const r = selectCoins([coin('a', v)], { ...t, changeDustLimitSat: 1000n });
  assert.ok(r.ok);
  assert.equal(r.changeSat, 0n);
  assert.equal(r.feeSat, v - 50_000n);
});

test('insufficient funds is a value with what was available and needed', () => {
  const r = selectCoins([coin('a', 10_000n), coin('b', 5_000n)], target(20_000n));
  assert.ok(!r.ok);
  assert.equal(r.reason, 'insufficient_funds');
  assert.ok(r.availableSat < r.neededSat);
  // Coins worth less than their own input fee are never chosen.
  const dusty = selectCoins([coin('x', 200n)], target(1n, 5000n));
  assert.ok(!dusty.ok);
});

test('fixed inputs (a sweep) can pay for the target alone', () => {
  const r = selectCoins([coin('a', 10_000n)], { ...target(5_000n), fixedInputSat: 100_000n });
  assert.ok(r.ok);
  assert.equal(r.selected.length, 0);
  assert.equal(r.changeSat, 100_000n - 5_000n - r.feeSat);
});

test('property: value is conserved, the fee rate is met, change is zero or above dust, no coin twice', () => {
  fc.assert(
    fc.property(
      fc.array(fc.bigInt({ min: 1n, max: 5_000_000n }), { minLength: 0, maxLength: 12 }),
      fc.bigInt({ min: 1n, max: 10_000_000n }),
      fc.bigInt({ min: 253n, max: 50_000n }),
      (values, targetSat, rate) => {
        const coins = values.map((v, i) => coin(`c${i}`, v));
        const t = target(targetSat, rate);
        const r = selectCoins(coins, t);
        if (!r.ok) {
          // Nothing could have worked: even all coins with positive effective value fall short.
          const all = coins.filter((c) => c.valueSat > feeForWeight(c.inputWeight, rate));
          const weight = t.baseWeight + all.reduce((w, c) => w + c.inputWeight, 0);
          const total = all.reduce((s, c) => s + c.valueSat, 0n);
          assert.ok(
            total - targetSat < feeForWeight(weight, rate) + BigInt(all.length),
            `missed a solution: ${total} for ${targetSat}`,
          );
          return;
        }
        const ids = r.selected.map((c) => c.id);
        assert.equal(new Set(ids).size, ids.length);
        const inSum = r.selected.reduce((s, c) => s + c.valueSat, 0n);
        assert.equal(inSum, targetSat + r.feeSat + r.changeSat);
        assert.ok(r.feeSat >= feeForWeight(r.weight, rate), `fee ${r.feeSat} below rate for ${r.weight} WU`);
        assert.ok(r.changeSat === 0n || r.changeSat >= t.changeDustLimitSat);
        const expectedWeight =
          t.baseWeight +
          r.selected.reduce((w, c) => w + c.inputWeight, 0) +
          (r.changeSat > 0n ? t.changeOutputWeight : 0);
        assert.equal(r.weight, expectedWeight);
      },
    ),
    { numRuns: 300 },
  );
});
