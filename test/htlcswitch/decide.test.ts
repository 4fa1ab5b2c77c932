import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  DEFAULT_FORWARD_LIMITS,
  decideForward,
  type ForwardDecision,
  type ForwardingPolicy,
  forwardingFeeMsat,
  type OutgoingChannelView,
} from '../../src/htlcswitch/index.js';
import {
  decodeFailureMessage,
  encodeFailureMessage,
  type ForwardHopPayload,
  failureCode,
  failureFlags,
} from '../../src/onion/index.js';

const HEIGHT = 800_000;
const SCID = (800_000n << 40n) | (7n << 16n) | 1n;
const UPDATE = new Uint8Array([0x01, 0x02, 0xaa, 0xbb, 0xcc]);

const policy: ForwardingPolicy = {
  feeBaseMsat: 1000n,
  feeProportionalMillionths: 100n,
  cltvExpiryDelta: 80,
  htlcMinimumMsat: 1000n,
  htlcMaximumMsat: 1_000_000_000n,
  disabled: false,
};

function channel(over: Partial<OutgoingChannelView> = {}): OutgoingChannelView {
  return {
    shortChannelId: SCID,
    usable: true,
    policy,
    availableOutboundMsat: 5_000_000_000n,
    channelUpdate: UPDATE,
    ...over,
  };
}

function payload(amtToForwardMsat: bigint, outgoingCltvValue: number): ForwardHopPayload {
  return {
    kind: 'forward',
    amtToForwardMsat,
    outgoingCltvValue,
    shortChannelId: SCID,
    records: new Map(),
    raw: new Uint8Array(0),
  };
}

const AMT = 1_000_000n;
const FEE = 1100n; // 1000 + 1_000_000 * 100 / 1_000_000
const OUT_CLTV = HEIGHT + 100;
const IN_CLTV = OUT_CLTV + 80;

function decide(
  over: { inAmt?: bigint; inCltv?: number; amt?: bigint; outCltv?: number } = {},
  outgoing: OutgoingChannelView | 'closed' | 'none' = channel(),
): ForwardDecision {
  return decideForward(
    { amountMsat: over.inAmt ?? AMT + FEE, cltvExpiry: over.inCltv ?? IN_CLTV },
    payload(over.amt ?? AMT, over.outCltv ?? OUT_CLTV),
    outgoing === 'none' ? undefined : outgoing,
    HEIGHT,
    DEFAULT_FORWARD_LIMITS,
  );
}

function failureOf(d: ForwardDecision) {
  assert.equal(
    d.kind,
    'fail',
    `expected a failure, got ${JSON.stringify(d, (_, v) => (typeof v === 'bigint' ? `${v}` : v))}`,
  );
  return d.kind === 'fail' ? d.failure : undefined;
}

describe('decideForward', () => {
  test('forwards with the exact fee and CLTV delta, reporting what goes out and what we earn', () => {
    assert.equal(forwardingFeeMsat(policy, AMT), FEE);
    assert.deepEqual(decide(), {
      kind: 'forward',
      shortChannelId: SCID,
      amountMsat: AMT,
      cltvExpiry: OUT_CLTV,
      feeMsat: FEE,
    });
    const over = decide({ inAmt: AMT + FEE + 500n, inCltv: IN_CLTV + 10 });
    assert.equal(over.kind === 'forward' && over.feeMsat, FEE + 500n);
  });

  test('fee rounds down (BOLT 7 integer division)', () => {
    const p = { ...policy, feeBaseMsat: 0n, feeProportionalMillionths: 1n };
    assert.equal(forwardingFeeMsat(p, 999_999n), 0n);
    assert.equal(forwardingFeeMsat(p, 1_000_000n), 1n);
    assert.equal(forwardingFeeMsat(p, 2_999_999n), 2n);
  });

  test('unknown_next_peer when no channel has the short_channel_id', () => {
    assert.deepEqual(failureOf(decide({}, 'none')), { name: 'unknown_next_peer' });
  });

  test('permanent_channel_failure when the channel is closed', () => {
    assert.deepEqual(failureOf(decide({}, 'closed')), { name: 'permanent_channel_failure' });
  });

  test('channel_disabled with zero flags and our channel_update', () => {
    const f = failureOf(decide({}, channel({ policy: { ...policy, disabled: true } })));
    assert.deepEqual(f, { name: 'channel_disabled', disabledFlags: 0, channelUpdate: UPDATE });
  });

  test('temporary_channel_failure when the link is down', () => {
    assert.deepEqual(failureOf(decide({}, channel({ usable: false }))), {
      name: 'temporary_channel_failure',
      channelUpdate: UPDATE,
    });
  });

  test('amount_below_minimum reports the outgoing amount', () => {
    assert.deepEqual(failureOf(decide({ amt: 999n, inAmt: 999n + 1000n })), {
      name: 'amount_below_minimum',
      htlcMsat: 999n,
      channelUpdate: UPDATE,
    });
    assert.equal(decide({ amt: 1000n, inAmt: 1000n + 1000n }).kind, 'forward');
  });

  test('temporary_channel_failure above htlc_maximum_msat', () => {
    const c = channel({ policy: { ...policy, htlcMaximumMsat: AMT - 1n } });
    assert.deepEqual(failureOf(decide({}, c)), { name: 'temporary_channel_failure', channelUpdate: UPDATE });
    assert.equal(decide({}, channel({ policy: { ...policy, htlcMaximumMsat: AMT } })).kind, 'forward');
  });

  test('fee_insufficient reports the incoming amount, one msat short', () => {
    assert.deepEqual(failureOf(decide({ inAmt: AMT + FEE - 1n })), {
      name: 'fee_insufficient',
      htlcMsat: AMT + FEE - 1n,
      channelUpdate: UPDATE,
    });
  });

  test('fee_insufficient when the incoming amount is below amt_to_forward', () => {
    const f = failureOf(decide({ inAmt: AMT - 1n }));
    assert.equal(f?.name, 'fee_insufficient');
  });

  test('incorrect_cltv_expiry reports the outgoing cltv_expiry, one block short', () => {
    assert.deepEqual(failureOf(decide({ inCltv: OUT_CLTV + 79 })), {
      name: 'incorrect_cltv_expiry',
      cltvExpiry: OUT_CLTV,
      channelUpdate: UPDATE,
    });
    // An incoming expiry below the outgoing one is the same failure.
    assert.equal(failureOf(decide({ inCltv: OUT_CLTV - 1 }))?.name, 'incorrect_cltv_expiry');
  });

  test('expiry_too_soon within the outgoing margin', () => {
    const margin = DEFAULT_FORWARD_LIMITS.minOutgoingCltvMargin;
    const soon = HEIGHT + margin - 1;
    assert.deepEqual(failureOf(decide({ outCltv: soon, inCltv: soon + 80 })), {
      name: 'expiry_too_soon',
      channelUpdate: UPDATE,
    });
    assert.equal(decide({ outCltv: soon + 1, inCltv: soon + 81 }).kind, 'forward');
  });

  test('expiry_too_far beyond max_htlc_cltv (2016 blocks)', () => {
    const far = HEIGHT + 2017;
    assert.deepEqual(failureOf(decide({ outCltv: far, inCltv: far + 80 })), { name: 'expiry_too_far' });
    assert.equal(decide({ outCltv: far - 1, inCltv: far + 79 }).kind, 'forward');
  });

  test('temporary_channel_failure when the balance does not cover the HTLC', () => {
    assert.deepEqual(failureOf(decide({}, channel({ availableOutboundMsat: AMT - 1n }))), {
      name: 'temporary_channel_failure',
      channelUpdate: UPDATE,
    });
    assert.equal(decide({}, channel({ availableOutboundMsat: AMT })).kind, 'forward');
  });

  test('the previous policy is honoured for fee and CLTV delta while it is passed in', () => {
    const raised = { ...policy, feeBaseMsat: 5000n, cltvExpiryDelta: 144 };
    assert.equal(failureOf(decide({}, channel({ policy: raised })))?.name, 'fee_insufficient');
    assert.equal(decide({}, channel({ policy: raised, previousPolicy: policy })).kind, 'forward');
    const slower = { ...policy, cltvExpiryDelta: 144 };
    assert.equal(failureOf(decide({}, channel({ policy: slower })))?.name, 'incorrect_cltv_expiry');
    assert.equal(decide({}, channel({ policy: slower, previousPolicy: policy })).kind, 'forward');
  });

  test('with several errors, the first in the documented order wins', () => {
    const disabled = channel({ policy: { ...policy, disabled: true }, usable: false });
    assert.equal(failureOf(decide({ inAmt: 0n }, disabled))?.name, 'channel_disabled');
    assert.equal(
      failureOf(decide({ inAmt: 0n }, channel({ usable: false })))?.name,
      'temporary_channel_failure',
    );
    assert.equal(failureOf(decide({ amt: 10n, inAmt: 0n }))?.name, 'amount_below_minimum');
    assert.equal(failureOf(decide({ inAmt: AMT, inCltv: OUT_CLTV }))?.name, 'fee_insufficient');
    assert.equal(
      failureOf(decide({ outCltv: HEIGHT + 1, inCltv: HEIGHT + 2 }))?.name,
      'incorrect_cltv_expiry',
    );
    const poor = channel({ availableOutboundMsat: 0n });
    assert.equal(
      failureOf(decide({ outCltv: HEIGHT + 1, inCltv: HEIGHT + 81 }, poor))?.name,
      'expiry_too_soon',
    );
    assert.equal(
      failureOf(decide({ outCltv: HEIGHT + 3000, inCltv: HEIGHT + 3080 }, poor))?.name,
      'expiry_too_far',
    );
  });

  test('every failure encodes to its BOLT 4 code and decodes back to the same value', () => {
    const cases: [ForwardDecision, number][] = [
      [decide({}, 'none'), 0x4000 | 10],
      [decide({}, 'closed'), 0x4000 | 8],
      [decide({}, channel({ policy: { ...policy, disabled: true } })), 0x1000 | 20],
      [decide({}, channel({ usable: false })), 0x1000 | 7],
      [decide({ amt: 1n, inAmt: 5000n }), 0x1000 | 11],
      [decide({ inAmt: AMT }), 0x1000 | 12],
      [decide({ inCltv: OUT_CLTV }), 0x1000 | 13],
      [decide({ outCltv: HEIGHT, inCltv: HEIGHT + 80 }), 0x1000 | 14],
      [decide({ outCltv: HEIGHT + 5000, inCltv: HEIGHT + 5080 }), 21],
    ];
    for (const [d, code] of cases) {
      const f = failureOf(d);
      assert.ok(f !== undefined);
      assert.equal(failureCode(f), code, f.name);
      const bytes = encodeFailureMessage(f);
      assert.equal((bytes[0] as number) * 256 + (bytes[1] as number), code);
      const back = decodeFailureMessage(bytes);
      assert.ok(back.ok);
      assert.deepEqual(back.value, f);
      // UPDATE-flagged failures carry our channel_update; the others carry none.
      assert.equal(failureFlags(code).update, 'channelUpdate' in f, f.name);
    }
  });

  test('property: forwards exactly when every rule holds, else fails with the first broken rule', () => {
    const arb = fc.record({
      feeBase: fc.bigInt({ min: 0n, max: 5000n }),
      ppm: fc.bigInt({ min: 0n, max: 5000n }),
      delta: fc.integer({ min: 0, max: 200 }),
      min: fc.bigInt({ min: 0n, max: 10_000n }),
      max: fc.bigInt({ min: 0n, max: 10_000_000n }),
      available: fc.bigInt({ min: 0n, max: 10_000_000n }),
      amt: fc.bigInt({ min: 0n, max: 10_000_000n }),
      extra: fc.bigInt({ min: -200n, max: 20_000n }),
      outIn: fc.integer({ min: -10, max: 2100 }),
      deltaPaid: fc.integer({ min: -5, max: 250 }),
      disabled: fc.boolean(),
      usable: fc.boolean(),
    });
    fc.assert(
      fc.property(arb, (r) => {
        const p: ForwardingPolicy = {
          feeBaseMsat: r.feeBase,
          feeProportionalMillionths: r.ppm,
          cltvExpiryDelta: r.delta,
          htlcMinimumMsat: r.min,
          htlcMaximumMsat: r.max,
          disabled: r.disabled,
        };
        const fee = r.feeBase + (r.amt * r.ppm) / 1_000_000n;
        const inAmt = r.amt + fee + r.extra;
        const outCltv = HEIGHT + r.outIn;
        const inCltv = outCltv + r.deltaPaid;
        const d = decideForward(
          { amountMsat: inAmt, cltvExpiry: inCltv },
          payload(r.amt, outCltv),
          channel({ policy: p, usable: r.usable, availableOutboundMsat: r.available }),
          HEIGHT,
          DEFAULT_FORWARD_LIMITS,
        );
        const rules: [boolean, string][] = [
          [r.disabled, 'channel_disabled'],
          [!r.usable, 'temporary_channel_failure'],
          [r.amt < r.min, 'amount_below_minimum'],
          [r.amt > r.max, 'temporary_channel_failure'],
          [r.extra < 0n, 'fee_insufficient'],
          [r.deltaPaid < r.delta, 'incorrect_cltv_expiry'],
          [r.outIn < 13, 'expiry_too_soon'],
          [r.outIn > 2016, 'expiry_too_far'],
          [r.amt > r.available, 'temporary_channel_failure'],
        ];
        const broken = rules.find(([b]) => b);
        if (broken === undefined) {
          assert.deepEqual(d, {
            kind: 'forward',
            shortChannelId: SCID,
            amountMsat: r.amt,
            cltvExpiry: outCltv,
            feeMsat: fee + r.extra,
          });
        } else {
          assert.equal(d.kind === 'fail' && d.failure.name, broken[1]);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
