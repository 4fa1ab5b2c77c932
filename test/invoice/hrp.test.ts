// test/invoice/hrp.test.ts: currency prefixes and amounts in the human-readable part.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { formatHrp, parseHrp } from '../../src/invoice/hrp.js';
import { InvoiceError, MAX_AMOUNT_MSAT, type Network } from '../../src/invoice/index.js';

function reasonOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof InvoiceError) return e.reason;
    throw e;
  }
  return 'accepted';
}

test('currency prefixes map to networks', () => {
  const cases: [string, Network][] = [
    ['lnbc', 'bitcoin'],
    ['lntb', 'testnet'],
    ['lntbs', 'signet'],
    ['lnbcrt', 'regtest'],
  ];
  for (const [hrp, network] of cases) assert.deepEqual(parseHrp(hrp), { network, amountMsat: undefined });
  assert.deepEqual(parseHrp('lntbs25m'), { network: 'signet', amountMsat: 2_500_000_000n });
  assert.deepEqual(parseHrp('lnbcrt5n'), { network: 'regtest', amountMsat: 500n });
});

test('amounts with each multiplier', () => {
  const cases: [string, bigint][] = [
    ['lnbc1', 100_000_000_000n],
    ['lnbc21', 2_100_000_000_000n],
    ['lnbc1m', 100_000_000n],
    ['lnbc2500u', 250_000_000n],
    ['lnbc1n', 100n],
    ['lnbc10p', 1n],
    ['lnbc9678785340p', 967_878_534n],
    ['lnbc2000u', 200_000_000n], // a non-largest multiplier, as seen in the wild, is accepted
  ];
  for (const [hrp, msat] of cases) assert.equal(parseHrp(hrp).amountMsat, msat, hrp);
});

test('malformed prefixes and amounts are refused with a reason', () => {
  const cases: [string, string][] = [
    ['bc', 'unknown_prefix'],
    ['lnxy', 'unknown_prefix'],
    ['lnbcx1m', 'unknown_prefix'],
    ['lnltc1m', 'unknown_prefix'],
    ['lnbc2500x', 'invalid_multiplier'],
    ['lnbc1M', 'invalid_multiplier'], // the hrp reaches us lower-cased; an upper-case letter is not a multiplier
    ['lnbc1mm', 'invalid_amount'],
    ['lnbc1m5', 'invalid_amount'],
    ['lnbc0', 'invalid_amount'],
    ['lnbc0m', 'invalid_amount'],
    ['lnbc01m', 'invalid_amount'],
    ['lnbc1p', 'sub_millisatoshi_amount'],
    ['lnbc2500000001p', 'sub_millisatoshi_amount'],
    ['lnbc184467440737095516160p', 'invalid_amount'], // 2^64 msat: beyond any HTLC
    ['lnbc9999999999999999999999', 'invalid_amount'],
  ];
  for (const [hrp, reason] of cases)
    assert.equal(
      reasonOf(() => parseHrp(hrp)),
      reason,
      hrp,
    );
  assert.equal(parseHrp('lnbc184467440737095516150p').amountMsat, MAX_AMOUNT_MSAT);
});

test('the writer uses the largest multiplier that keeps the amount whole', () => {
  const cases: [bigint | undefined, string][] = [
    [undefined, 'lnbc'],
    [1n, 'lnbc10p'],
    [100n, 'lnbc1n'],
    [150n, 'lnbc1500p'],
    [100_000n, 'lnbc1u'],
    [250_000_000n, 'lnbc2500u'],
    [2_000_000_000n, 'lnbc20m'],
    [100_000_000_000n, 'lnbc1'],
    [967_878_534n, 'lnbc9678785340p'],
  ];
  for (const [msat, hrp] of cases) assert.equal(formatHrp('bitcoin', msat), hrp, String(msat));
  assert.equal(formatHrp('regtest', 1000n), 'lnbcrt10n');
  assert.equal(
    reasonOf(() => formatHrp('bitcoin', 0n)),
    'invalid_contents',
  );
  assert.equal(
    reasonOf(() => formatHrp('bitcoin', MAX_AMOUNT_MSAT + 1n)),
    'invalid_contents',
  );
});

test('property: every msat amount round-trips through its shortest spelling', () => {
  const networks: Network[] = ['bitcoin', 'testnet', 'signet', 'regtest'];
  fc.assert(
    fc.property(fc.constantFrom(...networks), fc.bigInt(1n, MAX_AMOUNT_MSAT), (network, msat) => {
      const hrp = formatHrp(network, msat);
      assert.deepEqual(parseHrp(hrp), { network, amountMsat: msat });
      // Multipliers are 1000 apart: three trailing zeros would mean a larger one fits.
      assert.ok(!/000[munp]$/.test(hrp), hrp);
    }),
    { numRuns: 500 },
  );
});
