import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  type Circuit,
  type CircuitState,
  circuitOrigin,
  decodeCircuit,
  encodeCircuit,
  type ForwardCircuit,
  forwardCircuitKey,
  type LocalCircuit,
  localCircuitKey,
} from '../../src/htlcswitch/index.js';
import { DecodeError, encode, tlv, tlvStream, u8 } from '../../src/wire/index.js';

const b32 = (n: number) => new Uint8Array(32).fill(n);

const forward: ForwardCircuit = {
  kind: 'forward',
  state: 'in_flight',
  forwardId: 42,
  paymentHash: b32(1),
  incomingChannelId: b32(2),
  incomingHtlcId: 7n,
  incomingAmountMsat: 1_001_100n,
  incomingCltvExpiry: 800_120,
  sharedSecret: b32(3),
  outgoingChannelId: b32(4),
  outgoingShortChannelId: 0xabcdef_000001_0002n,
  outgoingHtlcId: 0n,
  outgoingAmountMsat: 1_000_000n,
  outgoingCltvExpiry: 800_040,
  createdAt: 1_700_000_000_123,
};

const local: LocalCircuit = {
  kind: 'local',
  state: 'adding',
  ref: 'payment 12 / attempt 3 ✓',
  paymentHash: b32(5),
  outgoingChannelId: b32(6),
  outgoingShortChannelId: 1n,
  outgoingHtlcId: null,
  outgoingAmountMsat: 5n,
  outgoingCltvExpiry: 0,
  createdAt: 0,
};

describe('circuit records', () => {
  test('every kind of circuit and resolution round-trips', () => {
    const variants: Circuit[] = [
      forward,
      { ...forward, state: 'adding', outgoingHtlcId: null },
      { ...forward, state: 'resolving', upstream: { kind: 'fulfill', preimage: b32(9) } },
      {
        ...forward,
        state: 'resolved',
        upstream: { kind: 'fulfill', preimage: b32(9), attributionData: new Uint8Array(920).fill(7) },
      },
      {
        ...forward,
        state: 'resolving',
        upstream: { kind: 'fail', reason: new Uint8Array(292).fill(8), description: 'failed downstream' },
      },
      {
        ...forward,
        upstream: { kind: 'fail', reason: new Uint8Array(0), attributionData: b32(1), description: '' },
      },
      local,
      { ...local, state: 'resolving', outgoingHtlcId: 3n, outcome: { kind: 'fulfilled', preimage: b32(10) } },
      {
        ...local,
        outcome: { kind: 'fulfilled', preimage: b32(10), attributionData: new Uint8Array(920) },
      },
      {
        ...local,
        outcome: { kind: 'failed', failure: { kind: 'fail', reason: b32(11), attributionData: b32(12) } },
      },
      {
        ...local,
        outcome: {
          kind: 'failed',
          failure: { kind: 'malformed', sha256OfOnion: b32(13), failureCode: 0xc005 },
        },
      },
      { ...local, outcome: { kind: 'failed', failure: { kind: 'closed', why: 'timed out on chain' } } },
    ];
    for (const c of variants) assert.deepEqual(decodeCircuit(encodeCircuit(c)), c);
  });

  test('property: forward circuits round-trip for any amounts, ids and states', () => {
    const states: CircuitState[] = ['adding', 'in_flight', 'resolving', 'resolved'];
    fc.assert(
      fc.property(
        fc.record({
          state: fc.constantFrom(...states),
          id: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
          out: fc.option(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), { nil: null }),
          amt: fc.bigInt({ min: 0n, max: (1n << 63n) - 1n }),
          cltv: fc.integer({ min: 0, max: 0xffff_ffff }),
          at: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
        }),
        (r) => {
          const c: ForwardCircuit = {
            ...forward,
            state: r.state,
            incomingHtlcId: r.id,
            outgoingHtlcId: r.out,
            incomingAmountMsat: r.amt,
            outgoingAmountMsat: r.amt / 2n,
            incomingCltvExpiry: r.cltv,
            createdAt: r.at,
          };
          assert.deepEqual(decodeCircuit(encodeCircuit(c)), c);
        },
      ),
      { numRuns: 300 },
    );
  });

  test('a record this version did not write is refused, not misread', () => {
    const good = encodeCircuit(forward);
    // An unknown even record (a newer version's field this one must understand).
    const newer = new Uint8Array([...good, 0xfc, 0x01, 0x00]);
    assert.throws(() => decodeCircuit(newer), DecodeError);
    // A record missing a required field.
    const partial = encode(tlvStream('x', { kind: tlv(0, u8), state: tlv(2, u8) }), { kind: 0, state: 0 });
    assert.throws(() => decodeCircuit(partial), /lacks paymentHash/);
    // An unknown state or kind.
    const badState = Uint8Array.from(good);
    assert.equal(badState[3], 2, 'state record: type 2, length 1, value');
    badState[5] = 9;
    assert.throws(() => decodeCircuit(badState), /unknown circuit state 9/);
  });

  test('keys sort forward circuits by channel, then HTLC id, and the origin names the circuit', () => {
    assert.equal(forwardCircuitKey(b32(0xab), 7n), `f/${'ab'.repeat(32)}/00000000000000000007`);
    assert.ok(forwardCircuitKey(b32(1), 9n) < forwardCircuitKey(b32(1), 10n));
    assert.equal(localCircuitKey('r1'), 'p/r1');
    assert.equal(new TextDecoder().decode(circuitOrigin(forward)), forwardCircuitKey(b32(2), 7n));
    assert.equal(new TextDecoder().decode(circuitOrigin(local)), `p/${local.ref}`);
  });
});
